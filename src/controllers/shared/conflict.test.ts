import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../api/errors.js';
import { createLogger } from '../../log.js';
import { CONFLICT_RETRY_MS, requeueOnConflict } from './conflict.js';

const log = createLogger('test', { write: () => {} });

test('a Conflict from a sync becomes a short requeue; other errors and results pass through', async () => {
  const conflict = async (): Promise<void> => {
    throw new ApiError('Conflict', 'the object has been modified');
  };
  assert.deepEqual(await requeueOnConflict(conflict, { key: 'ns/a', log }), { requeueAfterMs: CONFLICT_RETRY_MS });
  assert.deepEqual(await requeueOnConflict(async () => ({ requeueAfterMs: 5 }), { key: 'ns/a', log }), { requeueAfterMs: 5 });
  const notFound = async (): Promise<void> => {
    throw new ApiError('NotFound', 'gone');
  };
  await assert.rejects(requeueOnConflict(notFound, { key: 'ns/a', log }), /gone/);
});
