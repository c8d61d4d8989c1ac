// A StreamSession whose output is buffered until someone listens: a runtime may produce
// output before the caller of exec()/attach() has had a chance to register onStdout, and
// that output must not be lost.
import type { StreamSession } from './runtime.js';

type Listener = (data: Uint8Array) => void;

class OutputChannel {
  private readonly listeners: Listener[] = [];
  private held: Uint8Array[] = [];

  emit(data: Uint8Array): void {
    if (this.listeners.length === 0) this.held.push(data);
    for (const l of this.listeners) l(data);
  }

  listen(listener: Listener): void {
    this.listeners.push(listener);
    const held = this.held;
    this.held = [];
    for (const d of held) listener(d);
  }
}

/** What the runtime does with the caller's input; all calls after finish() are ignored. */
export interface SessionInput {
  writeStdin(data: Uint8Array): void;
  closeStdin(): void;
  resize(width: number, height: number): void;
  /** Ends the session from the caller's side (exec: kill the process; attach: detach). */
  close(): void;
}

export class BufferedStreamSession implements StreamSession {
  readonly done: Promise<{ exitCode: number }>;
  private readonly stdout = new OutputChannel();
  private readonly stderr = new OutputChannel();
  private resolveDone: (r: { exitCode: number }) => void = () => undefined;
  private finished = false;

  constructor(private readonly input: SessionInput) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  writeStdin(data: Uint8Array): void {
    if (!this.finished) this.input.writeStdin(data);
  }
  closeStdin(): void {
    if (!this.finished) this.input.closeStdin();
  }
  resize(width: number, height: number): void {
    if (!this.finished) this.input.resize(width, height);
  }
  onStdout(listener: Listener): void {
    this.stdout.listen(listener);
  }
  onStderr(listener: Listener): void {
    this.stderr.listen(listener);
  }
  close(): void {
    if (!this.finished) this.input.close();
  }

  /** Runtime side: output produced by the process. */
  emit(stream: 'stdout' | 'stderr', data: Uint8Array): void {
    (stream === 'stdout' ? this.stdout : this.stderr).emit(data);
  }

  /** Runtime side: the session is over; later calls are no-ops. */
  finish(exitCode: number): void {
    if (this.finished) return;
    this.finished = true;
    this.resolveDone({ exitCode });
  }

  get isFinished(): boolean {
    return this.finished;
  }
}
