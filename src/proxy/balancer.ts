// Endpoint choice for the userspace proxy: round robin over usable endpoints, and with
// ClientIP affinity the endpoint a client last used while that is younger than the timeout
// and still usable. Changing the endpoints never touches open connections (they drain).
// Picking runs once per relayed connection, so it allocates nothing: endpoints are kept as
// prepared picks (with their "ip:port" key) and the clock is read only for affinity.
import type { ProxyEndpoint } from './model.js';

export interface Pick {
  readonly ip: string;
  readonly port: number;
  /** "ip:port", what `exclude` and affinity hold. */
  readonly key: string;
}

export class Balancer {
  private endpoints: Pick[] = [];
  private next = 0;
  private affinityMs: number | undefined;
  private readonly affinity = new Map<string, { key: string; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  update(endpoints: readonly ProxyEndpoint[], affinityTimeoutSeconds: number | undefined): void {
    this.endpoints = endpoints.map((e) => ({ ip: e.ip, port: e.port, key: keyOf(e) }));
    this.affinityMs = affinityTimeoutSeconds === undefined ? undefined : affinityTimeoutSeconds * 1000;
    if (this.affinityMs === undefined) this.affinity.clear();
    const keys = new Set(this.endpoints.map((e) => e.key));
    for (const [client, a] of this.affinity) if (!keys.has(a.key)) this.affinity.delete(client);
    if (this.next >= this.endpoints.length) this.next = 0;
  }

  get size(): number {
    return this.endpoints.length;
  }

  /** Whether `pick` looks at the client address (ClientIP affinity); without it any address will do. */
  get sticky(): boolean {
    return this.affinityMs !== undefined;
  }

  /** An endpoint for a new connection from `clientIp`, skipping `exclude` (keys of ones that just failed). */
  pick(clientIp: string, exclude?: ReadonlySet<string>): Pick | undefined {
    const affinityMs = this.affinityMs;
    if (affinityMs === undefined) return this.roundRobin(exclude);
    const now = this.now();
    const a = this.affinity.get(clientIp);
    if (a && a.until > now && !exclude?.has(a.key)) {
      const ep = this.endpoints.find((e) => e.key === a.key);
      if (ep) {
        a.until = now + affinityMs;
        return ep;
      }
    }
    const ep = this.roundRobin(exclude);
    if (ep) this.affinity.set(clientIp, { key: ep.key, until: now + affinityMs });
    return ep;
  }

  /** The next endpoint in turn, skipping `exclude`. */
  private roundRobin(exclude: ReadonlySet<string> | undefined): Pick | undefined {
    const n = this.endpoints.length;
    for (let i = 0; i < n; i++) {
      const ep = this.endpoints[(this.next + i) % n];
      if (!ep || exclude?.has(ep.key)) continue;
      this.next = (this.next + i + 1) % n;
      return ep;
    }
    return undefined;
  }
}

export const keyOf = (e: { ip: string; port: number }): string => `${e.ip}:${e.port}`;
