// One writer per network namespace for rules that live in it once (the K8TS- iptables chains):
// two k8ts nodes on one machine (a server and an agent) share its iptables, and two proxies
// would each rewrite the same chains from their own view and remove them when either stops.
// The lock is an abstract Unix socket: its name is scoped to the network namespace of the
// process, and the kernel releases it when the process ends, even by SIGKILL.
import { createServer, type Server } from 'node:net';

export interface NetnsLock {
  release(): Promise<void>;
}

/** Takes the lock `name`, or resolves undefined when another process in this namespace holds it. */
export function claimNetnsLock(name: string): Promise<NetnsLock | undefined> {
  return new Promise((resolve, reject) => {
    const server: Server = createServer((sock) => sock.destroy());
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(undefined) : reject(err)));
    server.listen({ path: `\0k8ts-${name}` }, () => {
      server.unref();
      resolve({ release: () => new Promise<void>((done) => server.close(() => done())) });
    });
  });
}
