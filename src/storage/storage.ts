// The storage contract every backend (memory, sqlite, etcd) implements and passes
// `conformance.ts` for. Modelled on etcd v3 / kine: a log of revisions with one global,
// strictly increasing revision; expected outcomes (conflict, exists, not-found) are results,
// not exceptions; a watch replays history after a revision and then streams live events.

/** One stored value and the revisions that describe it. */
export interface KeyValue {
  key: string;
  value: Uint8Array;
  /** Revision at which this key was (last) created. */
  createRevision: number;
  /** Revision of the last write to this key; doubles as the Kubernetes resourceVersion. */
  modRevision: number;
}

export type WriteFailure = 'conflict' | 'exists' | 'not-found';

/** `current` is the value present when the write was refused (absent for not-found). */
export type WriteResult =
  | { ok: true; kv: KeyValue }
  | { ok: false; reason: WriteFailure; current?: KeyValue };

/**
 * A change seen by a watch. For `delete`, `kv.modRevision` is the revision of the deletion and
 * `kv.value` the last value the key held (what Kubernetes sends in a DELETED event).
 * `prev` is the value before this change, when the backend knows it.
 */
export interface StorageEvent {
  type: 'put' | 'delete';
  kv: KeyValue;
  prev?: KeyValue;
}

export interface ListOptions {
  /** At most this many key-values; `more` tells whether others follow. */
  limit?: number;
  /** Exclusive start: only keys sorted strictly after this one (for continue tokens). */
  after?: string;
  /** Read the state as of this revision instead of the newest; CompactedError if compacted. */
  revision?: number;
}

export interface ListResult {
  /** The revision the list reflects (the store's current revision unless `revision` was given). */
  revision: number;
  kvs: KeyValue[];
  more: boolean;
}

export interface WriteOptions {
  /** The key is deleted (with a delete event) once this many seconds have passed. */
  ttlSeconds?: number;
}

export interface WatchOptions {
  /** Deliver every event with a revision strictly greater than this one, then live events. */
  afterRevision: number;
  signal: AbortSignal;
}

/** The requested revision is older than the oldest one kept: Kubernetes answers 410 Gone. */
export class CompactedError extends Error {
  constructor(
    readonly requestedRevision: number,
    readonly compactRevision: number,
  ) {
    super(`revision ${requestedRevision} has been compacted (oldest kept: ${compactRevision})`);
    this.name = 'CompactedError';
  }
}

/** A key or value that no backend may store (empty key, wrong prefix, too large). */
export class InvalidKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidKeyError';
  }
}

/** A backend that cannot be opened or used (corrupt, locked, unreachable); names the cause. */
export class StorageUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageUnavailableError';
  }
}

/** Keys start with "/" and hold no NUL byte; values are limited like etcd's request size. */
export const MAX_KEY_BYTES = 4096;
export const MAX_VALUE_BYTES = 3 * 1024 * 1024;

export interface Storage {
  /** "memory", "sqlite" or "etcd" — for logs and benchmarks. */
  readonly backend: string;
  /** The newest revision (0 for an empty store). */
  currentRevision(): Promise<number>;
  get(key: string): Promise<{ revision: number; kv?: KeyValue }>;
  /** Keys starting with `prefix`, in ascending key order. */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /** Number of keys under `prefix` now. */
  count(prefix: string): Promise<number>;
  create(key: string, value: Uint8Array, options?: WriteOptions): Promise<WriteResult>;
  /**
   * Compare-and-swap: succeeds only while the key's modRevision equals `expectedModRevision`.
   * Like an etcd put, an update without `ttlSeconds` removes any earlier TTL from the key.
   */
  update(key: string, value: Uint8Array, expectedModRevision: number, options?: WriteOptions): Promise<WriteResult>;
  /**
   * Deletes when `expectedModRevision` is absent or matches. On success `kv` holds the last
   * value and createRevision, with `modRevision` set to the revision of the deletion (as the
   * matching watch event does, and as Kubernetes reports a deleted object's resourceVersion).
   */
  delete(key: string, expectedModRevision?: number): Promise<WriteResult>;
  /**
   * Events for keys under `prefix` in revision order, without gaps, from `afterRevision`
   * onwards, until the signal aborts. Throws CompactedError (from the first iteration) when
   * `afterRevision` is older than the compacted revision.
   */
  watch(prefix: string, options: WatchOptions): AsyncIterable<StorageEvent>;
  /**
   * Forget history older than `revision` (as etcd does): afterwards a list at a revision below
   * it, or a watch whose first wanted event is below it (afterRevision + 1 < revision), fails
   * with CompactedError. Current values are never lost.
   */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}
