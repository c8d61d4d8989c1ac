// When the watch streams of a server send their events. A stream holds its socket corked from
// the first event of a batch until the next flush, and every held batch goes out at the same
// flush, in the order the batches began: so events keep their order across streams (a client
// that wrote a Node, then a Pod, sees the Node's event no later than the Pod's).
// A flush comes at the end of the current event-loop turn; when the previous flush was less
// than `minIntervalMs` ago (a busy server, one request after another), it waits until that much
// time has passed. Each send on a socket costs the server tens of µs and wakes the reader;
// under load, many events then share one send.

type Release = () => void;

export class WatchFlusher {
  private held: Release[] = [];
  private scheduled = false;
  private lastFlushAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly minIntervalMs: number) {}

  /** `release` sends one held batch; it is called at the next flush (it may have sent already). */
  hold(release: Release): void {
    this.held.push(release);
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = this.lastFlushAt + this.minIntervalMs - performance.now();
    if (wait > 0) setTimeout(this.flush, wait);
    else setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    const held = this.held;
    this.held = [];
    this.scheduled = false;
    this.lastFlushAt = performance.now();
    for (const release of held) release();
  };
}

/** The flusher every watch stream in this process shares. */
export const watchFlusher = new WatchFlusher(2);
