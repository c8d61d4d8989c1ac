// usageNanoCores from cumulative CPU time: the rate between two samples of the same container
// (or of the node). The previous sample is kept per key and replaced only once at least
// `minIntervalMs` has passed, so frequent readers (a /stats/summary request right after an
// eviction pass) get a rate over a meaningful window rather than over a few milliseconds.

interface Entry {
  base: { ns: number; at: number };
  rate: number | undefined;
  seen: boolean;
}

export class CpuRates {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly minIntervalMs = 1000) {}

  /** Records a sample (cumulative core-nanoseconds at `atMs`); the rate once two samples exist. */
  observe(key: string, coreNanoSeconds: number, atMs: number): number | undefined {
    const e = this.entries.get(key);
    if (!e) {
      this.entries.set(key, { base: { ns: coreNanoSeconds, at: atMs }, rate: undefined, seen: true });
      return undefined;
    }
    e.seen = true;
    const dt = atMs - e.base.at;
    if (coreNanoSeconds < e.base.ns) {
      // The counter went back (a restarted process group): start over.
      e.base = { ns: coreNanoSeconds, at: atMs };
      e.rate = undefined;
      return undefined;
    }
    if (dt >= this.minIntervalMs || (e.rate === undefined && dt > 0)) {
      e.rate = Math.round(((coreNanoSeconds - e.base.ns) * 1000) / dt);
      if (dt >= this.minIntervalMs) e.base = { ns: coreNanoSeconds, at: atMs };
    }
    return e.rate;
  }

  /** Forgets keys not observed since the previous call (containers that are gone). */
  sweep(): void {
    for (const [k, e] of this.entries) {
      if (!e.seen) this.entries.delete(k);
      else e.seen = false;
    }
  }
}
