// Workers that drain a WorkQueue with the reconcile contract every controller follows:
//   resolves void                → done with this key: its backoff is forgotten;
//   resolves {requeueAfterMs}    → look again later: backoff forgotten, key re-added after the delay;
//   throws TerminalError         → retrying cannot help: logged, backoff forgotten, not requeued;
//   throws anything else         → logged, key re-added with its per-key exponential backoff.
// A handler sees each key alone: no two workers ever hold the same key at once.
import type { Logger } from '../log.js';
import type { WorkQueue } from './workqueue.js';

export type ReconcileResult = void | { requeueAfterMs: number };

export type ReconcileHandler = (key: string, signal: AbortSignal) => Promise<ReconcileResult>;

/** Thrown by a handler when retrying the key cannot succeed (e.g. an invalid spec). */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

export interface RunWorkersOptions {
  workers: number;
  signal: AbortSignal;
  log?: Pick<Logger, 'error' | 'debug'>;
}

/**
 * Runs `workers` loops until `signal` aborts, then shuts the queue down and resolves once every
 * in-flight handler has returned.
 */
export async function runWorkers(queue: WorkQueue, handler: ReconcileHandler, options: RunWorkersOptions): Promise<void> {
  const { signal } = options;
  const onAbort = (): void => queue.shutDown();
  if (signal.aborted) queue.shutDown();
  else signal.addEventListener('abort', onAbort, { once: true });
  const loop = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await reconcileOne(queue, handler, key, options);
      } finally {
        queue.done(key);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.workers) }, loop));
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

async function reconcileOne(queue: WorkQueue, handler: ReconcileHandler, key: string, options: RunWorkersOptions): Promise<void> {
  let result: ReconcileResult;
  try {
    result = await handler(key, options.signal);
  } catch (err) {
    if (options.signal.aborted) return;
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof TerminalError) {
      options.log?.error(`${key}: ${message} (not retried)`);
      queue.forget(key);
      return;
    }
    options.log?.error(`${key}: ${message} (retry ${queue.numRequeues(key) + 1})`);
    queue.addRateLimited(key);
    return;
  }
  queue.forget(key);
  if (result && result.requeueAfterMs >= 0) queue.addAfter(key, result.requeueAfterMs);
}
