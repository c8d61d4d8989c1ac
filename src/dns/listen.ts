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
  for (let attempt = 1; ; attempt++) {
    const udp = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    await bindUdp(udp, port, host);
    const chosen = udp.address().port;
    try {
      await listenTcp(tcp, chosen, host);
    } catch (err) {
      udp.close();
      const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (port !== 0 || !inUse || attempt >= ATTEMPTS) throw err;
      continue;
    }
    setupUdp(udp);
    return { udp, port: chosen };
  }
}
