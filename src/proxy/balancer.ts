// Endpoint choice for the userspace proxy: round robin over usable endpoints, and with
// ClientIP affinity the endpoint a client last used while that is younger than the timeout
// and still usable. Changing the endpoints never touches open connections (they drain).
import type { ProxyEndpoint } from './model.js';

export interface Pick {
  ip: string;
  port: number;
}

export class Balancer {
  private endpoints: ProxyEndpoint[] = [];
  private next = 0;
  private affinityMs: number | undefined;
  private readonly affinity = new Map<string, { key: string; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  update(endpoints: readonly ProxyEndpoint[], affinityTimeoutSeconds: number | undefined): void {
    this.endpoints = [...endpoints];
    this.affinityMs = affinityTimeoutSeconds === undefined ? undefined : affinityTimeoutSeconds * 1000;
    if (this.affinityMs === undefined) this.affinity.clear();
    const keys = new Set(this.endpoints.map(keyOf));
    for (const [client, a] of this.affinity) if (!keys.has(a.key)) this.affinity.delete(client);
    if (this.next >= this.endpoints.length) this.next = 0;
  }

  get size(): number {
    return this.endpoints.length;
  }

  /** An endpoint for a new connection from `clientIp`, skipping `exclude` (ones that just failed). */
  pick(clientIp: string, exclude: ReadonlySet<string> = new Set()): Pick | undefined {
    const now = this.now();
    if (this.affinityMs !== undefined) {
      const a = this.affinity.get(clientIp);
      if (a && a.until > now && !exclude.has(a.key)) {
        const ep = this.endpoints.find((e) => keyOf(e) === a.key);
        if (ep) {
          a.until = now + this.affinityMs;
          return { ip: ep.ip, port: ep.port };
        }
      }
    }
    for (let i = 0; i < this.endpoints.length; i++) {
      const ep = this.endpoints[(this.next + i) % this.endpoints.length];
      if (!ep || exclude.has(keyOf(ep))) continue;
      this.next = (this.next + i + 1) % this.endpoints.length;
      if (this.affinityMs !== undefined) this.affinity.set(clientIp, { key: keyOf(ep), until: now + this.affinityMs });
      return { ip: ep.ip, port: ep.port };
    }
    return undefined;
  }
}

export const keyOf = (e: { ip: string; port: number }): string => `${e.ip}:${e.port}`;
