// At most `limit` calls at once; the rest wait their turn in order. The kubelet writes pod
// statuses through one of these, so a burst of pods becomes a steady stream of requests over a
// few kept-alive connections, not one new connection per pod (Kubernetes' kubelet rate-limits its
// API calls for the same reason).
export class InFlightLimit {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(call: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await call();
    } finally {
      // The slot passes straight to the next waiter, or is given back.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }
}
