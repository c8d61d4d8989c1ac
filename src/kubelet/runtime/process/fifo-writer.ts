// Writes to a container's stdin FIFO without ever blocking the event loop. The FIFO is opened
// read-write, which on Linux succeeds even before the container has opened its end; writes
// the pipe cannot take yet (EAGAIN) are queued and retried.
import { closeSync, constants, openSync, writeSync } from 'node:fs';

const RETRY_MS = 10;

export class FifoWriter {
  private fd: number | undefined;
  private queue: Buffer[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly path: string) {}

  write(data: Uint8Array): void {
    if (this.closed) return;
    this.queue.push(Buffer.from(data));
    this.flush();
  }

  close(): void {
    this.closed = true;
    this.queue = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private flush(): void {
    if (this.timer || this.closed) return;
    try {
      this.fd ??= openSync(this.path, constants.O_RDWR | constants.O_NONBLOCK);
      while (this.queue.length > 0) {
        const head = this.queue[0];
        if (!head) break;
        const n = writeSync(this.fd, head);
        if (n < head.length) this.queue[0] = head.subarray(n);
        else this.queue.shift();
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') {
        this.close();
        return;
      }
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, RETRY_MS);
    }
  }
}
