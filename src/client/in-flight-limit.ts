// At most `limit` calls at once; the rest wait their turn in order. Components that write in
// bursts (the scheduler's bindings, the kubelet's pod statuses) send through one, so a burst
// becomes a steady stream of requests over a few kept-alive connections, not one new connection
// per object (Kubernetes' clients rate-limit their API calls for the same reason).
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
