// One port number for both UDP and TCP, as DNS needs. With port 0 the kernel picks the UDP port,
// and that number may already be taken for TCP (by any socket, even an outgoing connection):
// then both are closed and another pair is tried.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { isIPv6, type Server } from 'node:net';

/** How many ports a port-0 bind tries before giving up. */
export const ATTEMPTS = 20;

/** Binds `udp`; rejects with the bind error instead of emitting it. */
export async function bindUdp(udp: UdpSocket, port: number, host: string): Promise<void> {
  udp.bind(port, host);
  await once(udp, 'listening');
}

/** Starts `tcp` listening; rejects with the listen error instead of emitting it. */
export async function listenTcp(tcp: Server, port: number, host: string): Promise<void> {
  tcp.listen(port, host);
  await once(tcp, 'listening');
}

function closeQuietly(udp: UdpSocket): void {
  try {
    udp.close();
  } catch {
    // never bound: nothing to release
  }
}

/**
 * Binds a new UDP socket (wired up by `setupUdp`) and `tcp` on the same port of `host`. A fixed
 * port fails on the first error; port 0 retries with another free port when TCP finds it taken.
 */
export async function listenUdpAndTcp(
  host: string,
  port: number,
  setupUdp: (udp: UdpSocket) => void,
  tcp: Server,
): Promise<{ udp: UdpSocket; port: number }> {
  const { udp, port: chosen } = await listenUdpEachAndTcp([host], host, port, setupUdp, tcp);
  return { udp: udp[0] as UdpSocket, port: chosen };
}

/**
 * Binds a new UDP socket (wired up by `setupUdp`) on each of `udpHosts` and `tcp` on `tcpHost`,
 * all on one port. A fixed port fails on the first error; port 0 takes the kernel's choice for
 * the first UDP socket and retries with another free port when a later bind finds it taken.
 */
export async function listenUdpEachAndTcp(
  udpHosts: readonly string[],
  tcpHost: string,
  port: number,
  setupUdp: (udp: UdpSocket) => void,
  tcp: Server,
): Promise<{ udp: UdpSocket[]; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const sockets: UdpSocket[] = [];
    let chosen = port;
    try {
      for (const host of udpHosts) {
        const udp = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
        sockets.push(udp);
        await bindUdp(udp, chosen, host);
        chosen = udp.address().port;
      }
      await listenTcp(tcp, chosen, tcpHost);
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
