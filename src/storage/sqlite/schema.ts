// The on-disk layout of the SQLite backend (schema version 1), in the style of kine: `log` holds
// one row per revision and is the source of truth for history (list-at-revision, watch replay);
// `current` maps each live key to the log row holding its value, so present-state reads are one
// indexed lookup and values are stored once.
export const SCHEMA_VERSION = 1;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS log (
  rev        INTEGER PRIMARY KEY,  -- the revision this change created
  key        TEXT    NOT NULL,
  deleted    INTEGER NOT NULL,     -- 0: put, 1: delete (value = the last value held)
  create_rev INTEGER NOT NULL,
  prev_rev   INTEGER NOT NULL,     -- the key's modRevision before this change, 0 if none
  value      BLOB    NOT NULL
);
CREATE INDEX IF NOT EXISTS log_key_rev ON log (key, rev);
CREATE TABLE IF NOT EXISTS current (
  key        TEXT    PRIMARY KEY,
  rev        INTEGER NOT NULL,     -- log row of the present value
  expires_at INTEGER               -- epoch milliseconds, for keys written with ttlSeconds
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS current_expiry ON current (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS meta (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** A row joining `current`/`log`, shaped for turning into a KeyValue. */
export interface KvRow {
  key: string;
  create_rev: number;
  rev: number;
  value: Buffer;
}

/** A log row with its predecessor's value, for watch events. */
export interface LogRow extends KvRow {
  deleted: number;
  prev_rev: number;
  prev_create_rev: number | null;
  prev_value: Buffer | null;
}

export const SQL = {
  maxRev: 'SELECT coalesce(max(rev), 0) AS rev FROM log',
  getMeta: 'SELECT value FROM meta WHERE name = ?',
  setMeta: 'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
  get: 'SELECT l.key, l.create_rev, l.rev, l.value FROM current c JOIN log l ON l.rev = c.rev WHERE c.key = ?',
  insertLog: 'INSERT INTO log (rev, key, deleted, create_rev, prev_rev, value) VALUES (?, ?, ?, ?, ?, ?)',
  upsertCurrent:
    'INSERT INTO current (key, rev, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET rev = excluded.rev, expires_at = excluded.expires_at',
  deleteCurrent: 'DELETE FROM current WHERE key = ?',
  // Range bounds: key >= prefix AND key < end-of-prefix AND key > after.
  list: `SELECT l.key, l.create_rev, l.rev, l.value FROM current c JOIN log l ON l.rev = c.rev
         WHERE c.key >= ? AND c.key < ? AND c.key > ? ORDER BY c.key LIMIT ?`,
  listAt: `SELECT l.key, l.create_rev, l.rev, l.value
           FROM (SELECT key, max(rev) AS rev FROM log WHERE key >= ? AND key < ? AND key > ? AND rev <= ? GROUP BY key) m
           JOIN log l ON l.rev = m.rev WHERE l.deleted = 0 ORDER BY l.key LIMIT ?`,
  count: 'SELECT count(*) AS n FROM current WHERE key >= ? AND key < ?',
  replay: `SELECT l.key, l.create_rev, l.rev, l.value, l.deleted, l.prev_rev,
                  p.create_rev AS prev_create_rev, p.value AS prev_value
           FROM log l LEFT JOIN log p ON p.rev = l.prev_rev
           WHERE l.rev > ? AND l.rev <= ? AND l.key >= ? AND l.key < ? ORDER BY l.rev LIMIT ?`,
  // A row older than the compact revision goes when a newer row of its key is at or below the
  // compact revision, or when it is a deletion: nothing as of the compact revision needs it.
  compact: `DELETE FROM log WHERE rev < :c AND (deleted = 1 OR rev < (SELECT max(l2.rev) FROM log l2 WHERE l2.key = log.key AND l2.rev <= :c))`,
  nextExpiry: 'SELECT min(expires_at) AS at FROM current WHERE expires_at IS NOT NULL',
  expired: 'SELECT key, rev FROM current WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT 500',
} as const;
