// Sub-CIDRs of one cluster CIDR handed out one per node (IPv4 or IPv6), like Kubernetes'
// range allocator: the next free block after the last one given, wrapping around.

export interface ParsedCidr {
  family: 4 | 6;
  /** Network address as a number. */
  base: bigint;
  prefix: number;
}

export function parseCidr(text: string): ParsedCidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const prefix = Number(text.slice(slash + 1));
  const ip = text.slice(0, slash);
  const family = ip.includes(':') ? 6 : 4;
  const value = family === 4 ? parseV4(ip) : parseV6(ip);
  const bits = family === 4 ? 32 : 128;
  if (value === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > bits) return undefined;
  const hostBits = BigInt(bits - prefix);
  return { family, base: (value >> hostBits) << hostBits, prefix };
}

function parseV4(ip: string): bigint | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^[0-9]{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
}

function parseV6(ip: string): bigint | undefined {
  const halves = ip.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

export function formatCidr(c: ParsedCidr): string {
  if (c.family === 4) {
    const b = c.base;
    return `${[24n, 16n, 8n, 0n].map((s) => String((b >> s) & 255n)).join('.')}/${c.prefix}`;
  }
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((c.base >> BigInt(i * 16)) & 0xffffn).toString(16));
  // Compress the longest run of zero groups, as RFC 5952 prints them.
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j;
  }
  const text = best.at < 0 ? groups.join(':') : `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
  return `${text}/${c.prefix}`;
}

export class CidrSet {
  private readonly cluster: ParsedCidr;
  private readonly blockBits: bigint;
  private readonly count: bigint;
  private readonly used = new Set<bigint>();
  private next = 0n;

  constructor(clusterCidr: string, readonly nodeMaskSize: number) {
    const c = parseCidr(clusterCidr);
    if (!c) throw new Error(`invalid cluster CIDR "${clusterCidr}"`);
    const bits = c.family === 4 ? 32 : 128;
    if (nodeMaskSize < c.prefix || nodeMaskSize > bits) throw new Error(`node mask size ${nodeMaskSize} does not fit in ${clusterCidr}`);
    if (nodeMaskSize - c.prefix > 24) throw new Error(`cluster CIDR ${clusterCidr} holds too many /${nodeMaskSize} blocks (at most 2^24)`);
    this.cluster = c;
    this.blockBits = BigInt(bits - nodeMaskSize);
    this.count = 1n << BigInt(nodeMaskSize - c.prefix);
  }

  get family(): 4 | 6 {
    return this.cluster.family;
  }

  /** The next free block, or undefined when all are taken. */
  allocateNext(): string | undefined {
    for (let i = 0n; i < this.count; i++) {
      const index = (this.next + i) % this.count;
      if (this.used.has(index)) continue;
      this.used.add(index);
      this.next = (index + 1n) % this.count;
      return this.format(index);
    }
    return undefined;
  }

  /** Marks a block as taken (a node that already has it); false if it is not one of this set's blocks. */
  occupy(cidr: string): boolean {
    const index = this.indexOf(cidr);
    if (index === undefined) return false;
    this.used.add(index);
    return true;
  }

  release(cidr: string): void {
    const index = this.indexOf(cidr);
    if (index !== undefined) this.used.delete(index);
  }

  private format(index: bigint): string {
    return formatCidr({ family: this.cluster.family, base: this.cluster.base + (index << this.blockBits), prefix: this.nodeMaskSize });
  }

  private indexOf(cidr: string): bigint | undefined {
    const c = parseCidr(cidr);
    if (!c || c.family !== this.cluster.family || c.prefix !== this.nodeMaskSize) return undefined;
    const offset = c.base - this.cluster.base;
    if (offset < 0n) return undefined;
    const index = offset >> this.blockBits;
    return index < this.count ? index : undefined;
  }
}
