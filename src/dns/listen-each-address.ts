// DNS on the IPv4 wildcard address. A UDP socket bound to 0.0.0.0 sends its replies from the
// source address the route back picks, not from the address the query was sent to, and
// resolvers drop a reply from another address. Pods hit exactly that: their query to the
// kube-dns ClusterIP arrives DNAT'ed to the node's address, the route back leaves through the
// pod bridge, and a reply from the bridge's address misses the reverse NAT. So for the wildcard
// each local IPv4 address gets a UDP socket of its own (its replies leave from that address),
// while TCP keeps one wildcard listener (a connection always answers from its own address).
// Addresses that appear after the start are served over TCP only.
import type { Socket as UdpSocket } from 'node:dgram';
import type { Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { listenUdpEachAndTcp } from './listen.js';

/** The machine's IPv4 addresses, loopback first. */
export function localIPv4Addresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4') out.push(a.address);
  return [...new Set(out)].sort((a, b) => Number(!a.startsWith('127.')) - Number(!b.startsWith('127.')));
}

/** UDP on each of `addresses` and `tcp` on 0.0.0.0, all on one port (see listenUdpEachAndTcp). */
export function listenOnEachAddress(
  addresses: readonly string[],
  port: number,
  setupUdp: (udp: UdpSocket) => void,
  tcp: Server,
): Promise<{ udp: UdpSocket[]; port: number }> {
  if (addresses.length === 0) return Promise.reject(new Error('no local IPv4 address to serve DNS on'));
  return listenUdpEachAndTcp(addresses, '0.0.0.0', port, setupUdp, tcp);
}
