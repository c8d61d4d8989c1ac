// Exponential backoff with jitter for reconnect loops: delay n is
// min(maxMs, initialMs × factor^n) × (1 + jitter × random()), so clients that failed together
// do not retry together.

export interface BackoffOptions {
  /** Default 800 ms (client-go's reflector). */
  initialMs?: number;
  /** Default 30 s. */
  maxMs?: number;
  /** Default 2. */
  factor?: number;
  /** Fraction of the delay added at random; default 1 (up to double). */
  jitter?: number;
}

export class Backoff {
  private failures = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;

  constructor(
    options: BackoffOptions = {},
    private readonly random: () => number = Math.random,
  ) {
    this.initialMs = options.initialMs ?? 800;
    this.maxMs = options.maxMs ?? 30_000;
    this.factor = options.factor ?? 2;
    this.jitter = options.jitter ?? 1;
    if (!(this.initialMs >= 0 && this.maxMs >= this.initialMs && this.factor >= 1 && this.jitter >= 0)) {
      throw new Error('backoff: need 0 <= initialMs <= maxMs, factor >= 1, jitter >= 0');
    }
  }

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * this.factor ** this.failures);
    this.failures++;
    return base * (1 + this.jitter * this.random());
  }

  /** After a success: the next failure waits initialMs again. */
  reset(): void {
    this.failures = 0;
  }
}
