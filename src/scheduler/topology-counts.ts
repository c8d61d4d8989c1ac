// Counts per topology domain: topologyKey → topologyValue → count.
export class TopologyCounts {
  readonly byKey = new Map<string, Map<string, number>>();

  add(key: string, value: string, n: number): void {
    let byValue = this.byKey.get(key);
    if (!byValue) this.byKey.set(key, (byValue = new Map()));
    byValue.set(value, (byValue.get(value) ?? 0) + n);
  }

  get(key: string, value: string): number {
    return this.byKey.get(key)?.get(value) ?? 0;
  }

  get empty(): boolean {
    return this.byKey.size === 0;
  }

  /** True when some (key, value) of these labels has a positive count. */
  anyPositive(labels: Readonly<Record<string, string>>): boolean {
    for (const [key, byValue] of this.byKey) {
      const v = labels[key];
      if (v !== undefined && (byValue.get(v) ?? 0) > 0) return true;
    }
    return false;
  }

  clone(): TopologyCounts {
    const c = new TopologyCounts();
    for (const [k, m] of this.byKey) c.byKey.set(k, new Map(m));
    return c;
  }
}
