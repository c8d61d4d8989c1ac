// A one-listener event that keeps what happens before the listener is attached: protocol
// adapters start receiving before the code that consumes them has wired itself up.

export class ListenerQueue<T> {
  private listener: ((value: T) => void) | undefined;
  private readonly queued: T[] = [];

  set(listener: (value: T) => void): void {
    this.listener = listener;
    for (const v of this.queued.splice(0)) listener(v);
  }

  emit(value: T): void {
    if (this.listener) this.listener(value);
    else this.queued.push(value);
  }
}
