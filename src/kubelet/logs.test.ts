import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readContainerLogs, rotateContainerLogs } from './logs.js';

async function collect(it: AsyncIterable<Uint8Array>): Promise<string> {
  let s = '';
  for await (const b of it) s += Buffer.from(b).toString('utf8');
  return s;
}

const LINES = [
  '2026-01-01T00:00:01.000000000Z stdout F one',
  '2026-01-01T00:00:02.500000000Z stderr P tw',
  '2026-01-01T00:00:02.600000000Z stderr F o',
  '2026-01-01T00:00:03.000000000Z stdout F three',
];

test('reads CRI logs as kubectl shows them: partial lines joined, timestamps, tail, since, limit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-logs-'));
  try {
    const path = join(dir, '0.log');
    writeFileSync(path, `${LINES.join('\n')}\n`);
    const signal = new AbortController().signal;
    assert.equal(await collect(readContainerLogs(path, {}, signal)), 'one\ntwo\nthree\n');
    assert.equal(await collect(readContainerLogs(path, { tailLines: 2 }, signal)), 'two\nthree\n');
    assert.equal(await collect(readContainerLogs(path, { tailLines: 0 }, signal)), '');
    assert.equal(
      await collect(readContainerLogs(path, { timestamps: true, tailLines: 1 }, signal)),
      '2026-01-01T00:00:03.000000000Z three\n',
    );
    assert.equal(await collect(readContainerLogs(path, { sinceTime: '2026-01-01T00:00:02Z' }, signal)), 'two\nthree\n');
    assert.equal(await collect(readContainerLogs(path, { limitBytes: 6 }, signal)), 'one\ntw');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rotation keeps at most maxFiles files and reading spans the rotated ones', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-logs-'));
  try {
    const path = join(dir, '0.log');
    const base = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 4; i++) {
      appendFileSync(path, `2026-01-01T00:00:0${i}.000000000Z stdout F line-${i}\n`);
      assert.equal(await rotateContainerLogs(path, { maxSizeBytes: 10, maxFiles: 3, now: base + i * 1000 }), true);
    }
    appendFileSync(path, '2026-01-01T00:00:09.000000000Z stdout F last\n');
    assert.equal(readdirSync(dir).length, 3);
    assert.equal(await collect(readContainerLogs(path, {}, new AbortController().signal)), 'line-2\nline-3\nlast\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('follow streams appended lines until aborted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-logs-'));
  try {
    const path = join(dir, '0.log');
    writeFileSync(path, `${LINES[0]}\n`);
    const stop = new AbortController();
    const it = readContainerLogs(path, { follow: true, pollMs: 10 }, stop.signal)[Symbol.asyncIterator]();
    assert.equal(Buffer.from((await it.next()).value as Uint8Array).toString(), 'one\n');
    appendFileSync(path, '2026-01-01T00:00:05.000000000Z stdout F later\n');
    assert.equal(Buffer.from((await it.next()).value as Uint8Array).toString(), 'later\n');
    stop.abort();
    assert.equal((await it.next()).done, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a reader that stops early and aborts its signal does not leave an unhandled error behind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-logs-'));
  const errors: unknown[] = [];
  const onError = (err: unknown): void => void errors.push(err);
  process.on('uncaughtException', onError);
  try {
    const path = join(dir, '0.log');
    // Large enough that the file stream is still reading when the reader stops.
    writeFileSync(path, Array.from({ length: 20_000 }, (_, i) => `2026-01-01T00:00:01.000000000Z stdout F line ${i}`).join('\n') + '\n');
    for (const stopAfter of [1, 3]) {
      const abort = new AbortController();
      let n = 0;
      try {
        for await (const _chunk of readContainerLogs(path, { limitBytes: 1 }, abort.signal)) {
          if (++n >= stopAfter) break;
        }
      } finally {
        abort.abort();
      }
    }
    // What kubectl logs --limit-bytes=1 does through the kubelet: stop after one byte, then abort.
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(errors, []);
  } finally {
    process.off('uncaughtException', onError);
    rmSync(dir, { recursive: true, force: true });
  }
});
