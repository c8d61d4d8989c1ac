import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import { claimNetnsLock } from './netns-lock.js';

const name = `lock-test-${process.pid}`;

test('one holder per network namespace; released on release()', async () => {
  const first = await claimNetnsLock(name);
  assert.ok(first, 'the first claim succeeds');
  assert.equal(await claimNetnsLock(name), undefined, 'a second claim is refused while held');
  await first.release();
  const again = await claimNetnsLock(name);
  assert.ok(again, 'claimable again after release');
  await again.release();
});

test('a lock held by a process that was killed is free again', async () => {
  // A child holds the lock and reports when it does; SIGKILL gives it no chance to release.
  const script = `const s = require('node:net').createServer(); s.listen({ path: '\\0k8ts-${name}' }, () => process.stdout.write('held\\n')); setTimeout(() => {}, 60000);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the child did not take the lock')), 10_000);
      child.stdout.on('data', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    assert.equal(await claimNetnsLock(name), undefined, 'held by the child');
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
  const lock = await claimNetnsLock(name);
  assert.ok(lock, 'free after the holder died');
  await lock.release();
});
