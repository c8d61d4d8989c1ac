// Periodic compaction of the storage's history, as kube-apiserver compacts etcd every 5 minutes
// (--etcd-compaction-interval): each round compacts to the revision the previous round saw, so
// watchers and paginated lists always keep at least one interval of history, and the store
// (SQLite's log of revisions, etcd's MVCC history) stops growing with every status update.
// Several API servers on one etcd each compact; compacting at or below an earlier compaction is
// a no-op, so they need no coordination.
import type { Storage } from '../storage/storage.js';

export const DEFAULT_COMPACTION_INTERVAL_MS = 5 * 60_000;

export interface Compactor {
  /** One round: compacts to the revision of the previous round (none on the first), remembers the current one. */
  round(): Promise<number | undefined>;
}

export function storageCompactor(storage: Storage, log: (line: string) => void): Compactor {
  let previous = 0;
  return {
    round: async () => {
      const current = await storage.currentRevision();
      const target = previous;
      previous = current;
      if (target <= 0) return undefined;
      await storage.compact(target);
      log(`storage compacted at revision ${target}`);
      return target;
    },
  };
}
