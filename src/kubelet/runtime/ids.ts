import { randomFillSync } from 'node:crypto';

/** Random bytes drawn 128 ids at a time: one system call per 128 ids, not one per id. */
const pool = Buffer.alloc(32 * 128);
let used = pool.length;

/** A sandbox or container id: 64 hex digits, like containerd's. */
export function newRuntimeId(): string {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const id = pool.toString('hex', used, used + 32);
  used += 32;
  return id;
}
