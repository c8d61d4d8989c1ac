// The single-server Storage: one SQLite file, written only by this process. History lives in a
// revision log (see schema.ts); watches are fed in-process right after each commit, so there is
// no polling and no delay. All SQLite calls are synchronous (better-sqlite3); each write is one
// short transaction, so the event loop is never blocked for long except by compaction.
//
// Durability: WAL with synchronous=NORMAL. A commit appends the transaction to the WAL with
// write(2) before returning, so the kernel holds it even if this process is killed at once
// (kill -9, OOM, crash); only an OS crash or power loss before the next checkpoint's fsync can
// lose the newest commits. That is the failure model of a single-server control plane and it
// avoids an fsync per write; synchronous=FULL would add one and survive power loss too.
//
// Group commit: the writes of one event-loop turn share one transaction, opened by the first
// and committed from setImmediate; each write's promise settles only after that COMMIT, so an
// acknowledged write is as durable as before while concurrent writers pay for one commit.
// Reads on this connection see a batch's writes before its COMMIT (as the writes' own callers
// would see them an instant later); a failed COMMIT rolls the whole batch back and fails every
// write in it.
//
// Checkpoints (copying the WAL into the database file, with an fsync) block the event loop for
// milliseconds: they run when writes pause for IDLE_CHECKPOINT_MS, and SQLite's own automatic
// checkpoint only once the WAL reaches WAL_AUTOCHECKPOINT_PAGES, so bursts of writes are not
// stalled every few hundred commits.
//
// locking_mode=EXCLUSIVE: the revision counter and the watch feed live in this process, so a
// second writer would corrupt history silently. The exclusive lock makes a second opener fail
// fast with StorageUnavailableError instead (and lets WAL skip its shared-memory index).
import Database from 'better-sqlite3';
import {
  CompactedError,
  StorageUnavailableError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Storage,
  type StorageEvent,
  type WatchOptions,
  type WriteOptions,
  type WriteResult,
} from '../storage.js';
import { assertValidKey, assertValidPrefix, assertValidTtl, assertValidValue } from '../validate.js';
import { EventQueue } from '../event-queue.js';
import { prefixEnd } from '../prefix.js';
import { SCHEMA, SCHEMA_VERSION, SQL, type KvRow, type LogRow } from './schema.js';

/** How many log rows a replaying watch reads per query. */
const REPLAY_PAGE = 1000;
/** A checkpoint runs once no write has committed for this long. */
const IDLE_CHECKPOINT_MS = 100;
/** SQLite checkpoints on its own (during a commit) once the WAL holds this many pages (64 MiB). */
const WAL_AUTOCHECKPOINT_PAGES = 16_384;
/** How long an open waits for another process's lock before giving up. */
const BUSY_TIMEOUT_MS = 1000;

interface Watcher {
  prefix: string;
  queue: EventQueue<StorageEvent>;
}

type Stmt<P extends unknown[], R = unknown> = Database.Statement<P, R>;

/** The writes of the open transaction, committed together. */
interface Batch {
  /** The committed revision before the batch (restored when the batch rolls back). */
  startRevision: number;
  events: StorageEvent[];
  settle: Array<{ resolve: () => void; reject: (err: unknown) => void }>;
  expiryChanged: boolean;
}

export class SqliteStorage implements Storage {
  readonly backend = 'sqlite';
  /** The newest revision, including the open batch's (what reads on this connection see). */
  private revision: number;
  /** The newest committed revision: watches replay up to here, later events come from commits. */
  private committedRevision: number;
  private batch: Batch | undefined;
  private compactRevision: number;
  private readonly watchers = new Set<Watcher>();
  private expiryTimer: { timer: NodeJS.Timeout; at: number } | undefined;
  /** Re-armed by every commit; fires once writes pause. */
  private readonly checkpointTimer: NodeJS.Timeout;
  private uncheckpointed = false;
  private closed = false;
  private readonly stmt: {
    get: Stmt<[string], KvRow>;
    insertLog: Stmt<[number, string, number, number, number, Buffer]>;
    upsertCurrent: Stmt<[string, number, number | null]>;
    deleteCurrent: Stmt<[string]>;
    list: Stmt<[string, string, string, number], KvRow>;
    listAt: Stmt<[string, string, string, number, number], KvRow>;
    count: Stmt<[string, string], { n: number }>;
    replay: Stmt<[number, number, string, string, number], LogRow>;
    compact: Stmt<[{ c: number }]>;
    setMeta: Stmt<[string, number]>;
    nextExpiry: Stmt<[], { at: number | null }>;
    expired: Stmt<[number], { key: string; rev: number }>;
  };

  /** Opens (creating if needed) the database file; StorageUnavailableError names the file when it is corrupt or locked. */
  static open(path: string): SqliteStorage {
    let db: Database.Database | undefined;
    try {
      db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
      db.pragma('cache_size = -65536');
      db.pragma('temp_store = MEMORY');
      // Take the write lock now, so a second opener fails here rather than on its first write.
      db.exec('BEGIN EXCLUSIVE');
      db.exec(SCHEMA);
      const version = db.prepare<[string], { value: number }>(SQL.getMeta).get('schema_version')?.value;
      if (version === undefined) db.prepare(SQL.setMeta).run('schema_version', SCHEMA_VERSION);
      else if (version !== SCHEMA_VERSION) throw new Error(`schema version ${version} is not supported (expected ${SCHEMA_VERSION})`);
      db.exec('COMMIT');
      return new SqliteStorage(db, path);
    } catch (err) {
      try {
        db?.close();
      } catch {
        // The open already failed; that error is the one to report.
      }
      throw new StorageUnavailableError(`sqlite database ${path} cannot be opened: ${describe(err)}`, { cause: err });
    }
  }

  private constructor(
    private readonly db: Database.Database,
    private readonly path: string,
  ) {
    this.stmt = {
      get: db.prepare(SQL.get),
      insertLog: db.prepare(SQL.insertLog),
      upsertCurrent: db.prepare(SQL.upsertCurrent),
      deleteCurrent: db.prepare(SQL.deleteCurrent),
      list: db.prepare(SQL.list),
      listAt: db.prepare(SQL.listAt),
      count: db.prepare(SQL.count),
      replay: db.prepare(SQL.replay),
      compact: db.prepare(SQL.compact),
      setMeta: db.prepare(SQL.setMeta),
      nextExpiry: db.prepare(SQL.nextExpiry),
      expired: db.prepare(SQL.expired),
    };
    this.revision = db.prepare<[], { rev: number }>(SQL.maxRev).get()?.rev ?? 0;
    this.committedRevision = this.revision;
    this.checkpointTimer = setTimeout(() => this.checkpointWhenIdle(), IDLE_CHECKPOINT_MS);
    this.checkpointTimer.unref();
    this.compactRevision = db.prepare<[string], { value: number }>(SQL.getMeta).get('compact_rev')?.value ?? 0;
    this.armExpiryTimer();
  }

  async currentRevision(): Promise<number> {
    this.assertOpen();
    return this.revision;
  }

  async get(key: string): Promise<{ revision: number; kv?: KeyValue }> {
    assertValidKey(key);
    this.assertOpen();
    const row = this.guard(() => this.stmt.get.get(key));
    return row ? { revision: this.revision, kv: toKv(row) } : { revision: this.revision };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    assertValidPrefix(prefix);
    this.assertOpen();
    const limit = options.limit !== undefined && options.limit > 0 ? options.limit : -1;
    const fetch = limit > 0 ? limit + 1 : -1;
    const after = options.after ?? '';
    const end = prefixEnd(prefix);
    const at = options.revision !== undefined && options.revision > 0 ? options.revision : undefined;
    let rows: KvRow[];
    let revision = this.revision;
    if (at !== undefined && at < this.revision) {
      if (at < this.compactRevision) throw new CompactedError(at, this.compactRevision);
      rows = this.guard(() => this.stmt.listAt.all(prefix, end, after, at, fetch));
      revision = at;
    } else {
      if (at !== undefined && at > this.revision) throw new Error(`revision ${at} is in the future (current: ${this.revision})`);
      rows = this.guard(() => this.stmt.list.all(prefix, end, after, fetch));
    }
    const more = limit > 0 && rows.length > limit;
    if (more) rows.length = limit;
    return { revision, kvs: rows.filter((r) => r.key.startsWith(prefix)).map(toKv), more };
  }

  async count(prefix: string): Promise<number> {
    assertValidPrefix(prefix);
    this.assertOpen();
    return this.guard(() => this.stmt.count.get(prefix, prefixEnd(prefix))?.n ?? 0);
  }

  async create(key: string, value: Uint8Array, options: WriteOptions = {}): Promise<WriteResult> {
    assertValidKey(key);
    assertValidValue(value);
    assertValidTtl(options.ttlSeconds);
    this.assertOpen();
    const existing = this.guard(() => this.stmt.get.get(key));
    if (existing) return { ok: false, reason: 'exists', current: toKv(existing) };
    const rev = this.revision + 1;
    const kv: KeyValue = { key, value: toBuffer(value), createRevision: rev, modRevision: rev };
    await this.write({ type: 'put', kv }, options.ttlSeconds);
    return { ok: true, kv };
  }

  async update(key: string, value: Uint8Array, expectedModRevision: number, options: WriteOptions = {}): Promise<WriteResult> {
    assertValidKey(key);
    assertValidValue(value);
    assertValidTtl(options.ttlSeconds);
    this.assertOpen();
    const row = this.guard(() => this.stmt.get.get(key));
    if (!row) return { ok: false, reason: 'not-found' };
    const existing = toKv(row);
    if (existing.modRevision !== expectedModRevision) return { ok: false, reason: 'conflict', current: existing };
    const rev = this.revision + 1;
    const kv: KeyValue = { key, value: toBuffer(value), createRevision: existing.createRevision, modRevision: rev };
    // Like an etcd put without a lease: an update without ttlSeconds makes the key permanent.
    await this.write({ type: 'put', kv, prev: existing }, options.ttlSeconds);
    return { ok: true, kv };
  }

  async delete(key: string, expectedModRevision?: number): Promise<WriteResult> {
    assertValidKey(key);
    this.assertOpen();
    const row = this.guard(() => this.stmt.get.get(key));
    if (!row) return { ok: false, reason: 'not-found' };
    const existing = toKv(row);
    if (expectedModRevision !== undefined && existing.modRevision !== expectedModRevision) {
      return { ok: false, reason: 'conflict', current: existing };
    }
    const kv: KeyValue = { ...existing, modRevision: this.revision + 1 };
    await this.write({ type: 'delete', kv, prev: existing }, undefined);
    return { ok: true, kv };
  }

  async *watch(prefix: string, options: WatchOptions): AsyncIterable<StorageEvent> {
    assertValidPrefix(prefix);
    this.assertOpen();
    const { afterRevision, signal } = options;
    if (afterRevision + 1 < this.compactRevision) throw new CompactedError(afterRevision, this.compactRevision);
    // Subscribe first, then replay up to the revision seen at subscription: live events queue
    // up meanwhile and follow the replay without a gap or a duplicate.
    const queue = new EventQueue<StorageEvent>(signal);
    const watcher: Watcher = { prefix, queue };
    this.watchers.add(watcher);
    const replayUntil = this.committedRevision;
    const end = prefixEnd(prefix);
    try {
      let from = afterRevision;
      while (from < replayUntil && !signal.aborted) {
        const rows = this.guard(() => this.stmt.replay.all(from, replayUntil, prefix, end, REPLAY_PAGE));
        // Compaction between pages may have removed rows this watch still owed its consumer.
        if (from + 1 < this.compactRevision) throw new CompactedError(from, this.compactRevision);
        for (const row of rows) {
          if (signal.aborted) return;
          if (row.key.startsWith(prefix)) yield toEvent(row);
        }
        from = rows.length === REPLAY_PAGE ? (rows.at(-1) as LogRow).rev : replayUntil;
      }
      while (true) {
        const event = await queue.next();
        if (event === undefined) return;
        // A list may have seen revisions of a batch not yet committed when this watch began.
        if (event.kv.modRevision <= afterRevision) continue;
        yield event;
      }
    } finally {
      this.watchers.delete(watcher);
      queue.dispose();
    }
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen();
    if (revision > this.revision) throw new Error(`cannot compact at future revision ${revision} (current: ${this.revision})`);
    if (revision <= this.compactRevision) return;
    this.guard(() =>
      this.db.transaction(() => {
        this.stmt.compact.run({ c: revision });
        this.stmt.setMeta.run('compact_rev', revision);
      })(),
    );
    this.compactRevision = revision;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.expiryTimer) clearTimeout(this.expiryTimer.timer);
    this.expiryTimer = undefined;
    this.commitBatch();
    clearTimeout(this.checkpointTimer);
    for (const watcher of this.watchers) watcher.queue.end();
    this.watchers.clear();
    this.db.close();
  }

  /**
   * Adds one change (its revision is event.kv.modRevision) to the open batch; resolves once the
   * batch is committed and the watches are fed.
   */
  private write(event: StorageEvent, ttlSeconds: number | undefined): Promise<void> {
    const { kv } = event;
    const expiresAt = ttlSeconds === undefined ? null : Date.now() + ttlSeconds * 1000;
    const deleted = event.type === 'delete' ? 1 : 0;
    const batch = this.openBatch();
    try {
      this.guard(() => {
        this.stmt.insertLog.run(kv.modRevision, kv.key, deleted, kv.createRevision, event.prev?.modRevision ?? 0, asBuffer(kv.value));
        if (deleted) this.stmt.deleteCurrent.run(kv.key);
        else this.stmt.upsertCurrent.run(kv.key, kv.modRevision, expiresAt);
      });
    } catch (err) {
      // A half-applied change cannot stay in the transaction: the batch goes with it.
      this.rollbackBatch(err);
      return Promise.reject(err);
    }
    this.revision = kv.modRevision;
    batch.events.push(event);
    if (expiresAt !== null && (!this.expiryTimer || expiresAt < this.expiryTimer.at)) batch.expiryChanged = true;
    return new Promise((resolve, reject) => batch.settle.push({ resolve, reject }));
  }

  private openBatch(): Batch {
    if (this.batch) return this.batch;
    this.guard(() => this.db.exec('BEGIN'));
    const batch: Batch = { startRevision: this.revision, events: [], settle: [], expiryChanged: false };
    this.batch = batch;
    setImmediate(() => {
      if (this.batch === batch) this.commitBatch();
    });
    return batch;
  }

  /** Commits the open batch (if any), feeds the watches in revision order and settles its writes. */
  private commitBatch(): void {
    const batch = this.batch;
    if (!batch) return;
    try {
      this.guard(() => this.db.exec('COMMIT'));
    } catch (err) {
      this.rollbackBatch(err);
      return;
    }
    this.batch = undefined;
    this.committedRevision = this.revision;
    this.uncheckpointed = true;
    this.checkpointTimer.refresh();
    for (const event of batch.events) {
      for (const watcher of this.watchers) {
        if (event.kv.key.startsWith(watcher.prefix)) watcher.queue.push(event);
      }
    }
    for (const s of batch.settle) s.resolve();
    if (batch.expiryChanged) this.armExpiryTimer();
  }

  /** A passive checkpoint while no writes are coming in; failures are left to SQLite's own. */
  private checkpointWhenIdle(): void {
    if (this.closed || this.batch || !this.uncheckpointed) return;
    this.uncheckpointed = false;
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch (err) {
      process.emitWarning(`sqlite ${this.path}: checkpoint failed: ${describe(err)}`);
    }
  }

  private rollbackBatch(err: unknown): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = undefined;
    try {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
    } catch {
      // The connection is failing already; `err` is the error to report.
    }
    this.revision = batch.startRevision;
    for (const s of batch.settle) s.reject(err);
  }

  /** One timer for the earliest expiry; each firing deletes what is due and re-arms. */
  private armExpiryTimer(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer.timer);
    this.expiryTimer = undefined;
    if (this.closed) return;
    const at = this.guard(() => this.stmt.nextExpiry.get()?.at ?? null);
    if (at === null) return;
    const timer = setTimeout(() => this.expireDue(), Math.max(0, at - Date.now()));
    timer.unref();
    this.expiryTimer = { timer, at };
  }

  private expireDue(): void {
    this.expiryTimer = undefined;
    if (this.closed) return;
    try {
      for (const { key } of this.stmt.expired.all(Date.now())) {
        const row = this.stmt.get.get(key);
        if (row) {
          const existing = toKv(row);
          this.write({ type: 'delete', kv: { ...existing, modRevision: this.revision + 1 }, prev: existing }, undefined).catch((err: unknown) => {
            process.emitWarning(`sqlite ${this.path}: key expiry failed: ${describe(err)}`);
          });
        }
      }
      this.armExpiryTimer();
    } catch (err) {
      // A failing database also fails the next request, which reports it; expiry retries later.
      const timer = setTimeout(() => this.expireDue(), 1000);
      timer.unref();
      this.expiryTimer = { timer, at: Date.now() + 1000 };
      process.emitWarning(`sqlite ${this.path}: key expiry failed: ${describe(err)}`);
    }
  }

  /** Runs a database call, turning SQLite failures (corruption, I/O, locks) into StorageUnavailableError. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof Database.SqliteError) {
        throw new StorageUnavailableError(`sqlite database ${this.path} failed: ${describe(err)}`, { cause: err });
      }
      throw err;
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageUnavailableError(`sqlite database ${this.path} is closed`);
  }
}

function toKv(row: KvRow): KeyValue {
  return { key: row.key, value: row.value, createRevision: row.create_rev, modRevision: row.rev };
}

function toEvent(row: LogRow): StorageEvent {
  const kv = toKv(row);
  const prev: KeyValue | undefined =
    row.prev_value !== null && row.prev_create_rev !== null
      ? { key: row.key, value: row.prev_value, createRevision: row.prev_create_rev, modRevision: row.prev_rev }
      : undefined;
  const type = row.deleted ? 'delete' : 'put';
  return prev ? { type, kv, prev } : { type, kv };
}

/** A Buffer copy: the caller may reuse its array after the call returns. */
function toBuffer(value: Uint8Array): Buffer {
  return Buffer.from(value);
}

/** A Buffer view of the same bytes, for binding (no copy). */
function asBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

function describe(err: unknown): string {
  if (err instanceof Database.SqliteError) return `${err.message} (${err.code})`;
  return err instanceof Error ? err.message : String(err);
}
