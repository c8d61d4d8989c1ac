// A 409 Conflict from a sync means the informer cache is behind a write (ours or someone
// else's): the right move is to look again shortly, once the cache has caught up, not to count
// it as a failure with exponential backoff.
import { ApiError } from '../../api/errors.js';
import type { ReconcileResult } from '../../informer/workers.js';
import type { Logger } from '../../log.js';

export const CONFLICT_RETRY_MS = 10;

/** Runs `sync` for `key`; a Conflict becomes a requeue after CONFLICT_RETRY_MS, other errors propagate. */
export async function requeueOnConflict(sync: () => Promise<ReconcileResult>, context: { key: string; log: Logger }): Promise<ReconcileResult> {
  try {
    return await sync();
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 409)) throw err;
    context.log.debug(`${context.key}: ${err.message}; retrying`);
    return { requeueAfterMs: CONFLICT_RETRY_MS };
  }
}
