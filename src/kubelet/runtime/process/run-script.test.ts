import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildRunScript } from './run-script.js';

test('a bind mount makes its mount point; an optional one is bound only over a path that exists', () => {
  const script = buildRunScript({
    containerDir: '/run/c',
    workingDir: '/',
    stdin: false,
    bindMounts: [
      { containerPath: '/data', hostPath: '/pods/u/volumes/data', readOnly: true, isDirectory: true },
      { containerPath: '/dev/termination-log', hostPath: '/pods/u/containers/c/0-ab', readOnly: false, isDirectory: false, optional: true },
    ],
  });
  const lines = script.split('\n');
  assert.ok(lines.includes("mkdir -p '/data' && mount --bind '/pods/u/volumes/data' '/data' || fail 'cannot mount /pods/u/volumes/data at /data'"));
  assert.ok(lines.includes("mount -o remount,bind,ro '/data' || fail 'cannot make /data read-only'"));
  const optional = lines.filter((l) => l.includes('/dev/termination-log'));
  assert.deepEqual(optional, [
    "if [ -e '/dev/termination-log' ]; then mount --bind '/pods/u/containers/c/0-ab' '/dev/termination-log' || fail 'cannot mount /pods/u/containers/c/0-ab at /dev/termination-log'; fi",
  ]);
});
