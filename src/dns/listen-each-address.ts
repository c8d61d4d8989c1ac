// DNS on the IPv4 wildcard address. A UDP socket bound to 0.0.0.0 sends its replies from the
// source address the route back picks, not from the address the query was sent to, and
// resolvers drop a reply from another address. Pods hit exactly that: their query to the
// kube-dns ClusterIP arrives DNAT'ed to the node's address, the route back leaves through the
// pod bridge, and a reply from the bridge's address misses the reverse NAT. So for the wildcard
// each local IPv4 address gets a UDP socket of its own (its replies leave from that address),
// while TCP keeps one wildcard listener (a connection always answers from its own address).
// Addresses that appear after the start are served over TCP only.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import type { Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { ATTEMPTS, bindUdp, listenTcp } from './listen.js';


/** The machine's IPv4 addresses, loopback first. */
export function localIPv4Addresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4') out.push(a.address);
  return [...new Set(out)].sort((a, b) => Number(!a.startsWith('127.')) - Number(!b.startsWith('127.')));
}

function closeQuietly(udp: UdpSocket): void {
  try {
    udp.close();
  } catch {
    // never bound: nothing to release
  }
}

/**
 * Binds UDP on each of `addresses` and `tcp` on 0.0.0.0, all on one port. Port 0 takes the
 * kernel's choice for the first address and retries with another when a later bind finds it
 * taken; a fixed port fails on the first error.
 */
export async function listenOnEachAddress(
  addresses: readonly string[],
  port: number,
  setupUdp: (udp: UdpSocket) => void,
  tcp: Server,
): Promise<{ udp: UdpSocket[]; port: number }> {
  if (addresses.length === 0) throw new Error('no local IPv4 address to serve DNS on');
  for (let attempt = 1; ; attempt++) {
    const sockets: UdpSocket[] = [];
    let chosen = port;
    try {
      for (const address of addresses) {
        const udp = createSocket('udp4');
        sockets.push(udp);
        await bindUdp(udp, chosen, address);
        chosen = udp.address().port;
      }
      await listenTcp(tcp, chosen, '0.0.0.0');
    } catch (err) {
      for (const udp of sockets) closeQuietly(udp);
      const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (port !== 0 || !inUse || attempt >= ATTEMPTS) throw err;
      continue;
    }
    for (const udp of sockets) setupUdp(udp);
    return { udp: sockets, port: chosen };
  }
}
