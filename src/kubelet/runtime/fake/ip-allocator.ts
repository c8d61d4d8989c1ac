// Pod IPs from an IPv4 CIDR: the network address, the first host (the gateway) and the
// broadcast address are never handed out; released addresses are reused.

export class IpAllocator {
  private readonly base: number;
  private readonly size: number;
  private readonly used = new Set<number>();
  private next = 2;

  constructor(cidr: string) {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
    const octets = m ? m.slice(1, 5).map(Number) : [];
    const bits = m ? Number(m[5]) : NaN;
    if (octets.length !== 4 || octets.some((o) => o > 255) || !(bits >= 8 && bits <= 30)) {
      throw new Error(`invalid pod CIDR "${cidr}" (IPv4, prefix /8 to /30)`);
    }
    const addr = octets.reduce((acc, o) => acc * 256 + o, 0);
    this.size = 2 ** (32 - bits);
    this.base = addr - (addr % this.size);
  }

  allocate(): string {
    const hosts = this.size - 3;
    if (this.used.size >= hosts) throw new Error('pod CIDR exhausted');
    while (this.used.has(this.next)) this.next = this.next + 1 >= this.size - 1 ? 2 : this.next + 1;
    const offset = this.next;
    this.used.add(offset);
    this.next = offset + 1 >= this.size - 1 ? 2 : offset + 1;
    return toDotted(this.base + offset);
  }

  release(ip: string): void {
    const parts = ip.split('.').map(Number);
    const addr = parts.reduce((acc, o) => acc * 256 + o, 0);
    this.used.delete(addr - this.base);
  }
}

function toDotted(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}
