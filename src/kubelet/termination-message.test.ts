import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerStatus } from './runtime/runtime.js';
import { formatCriRecord } from './runtime/cri-log.js';
import {
  ANNOTATION_TERMINATION_MESSAGE_FILE,
  ANNOTATION_TERMINATION_MESSAGE_PATH,
  ANNOTATION_TERMINATION_MESSAGE_POLICY,
  TerminationMessages,
  joinMessages,
  logTailText,
  readTerminationMessage,
  setUpTerminationMessage,
} from './termination-message.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'k8ts-term-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function cri(...records: [string, 'P' | 'F'][]): Buffer {
  return Buffer.concat(records.map(([text, tag]) => formatCriRecord(0, 'stdout', { tag, content: Buffer.from(text) })));
}

function exited(o: { exitCode: number; policy?: string; file?: string; logPath?: string; message?: string; id?: string }): ContainerStatus {
  const annotations: Record<string, string> = { [ANNOTATION_TERMINATION_MESSAGE_POLICY]: o.policy ?? 'File' };
  if (o.file) annotations[ANNOTATION_TERMINATION_MESSAGE_FILE] = o.file;
  return {
    id: o.id ?? 'c1', sandboxId: 's1', name: 'main', attempt: 0, state: 'exited', image: 'busybox', imageRef: 'busybox',
    createdAt: 1, startedAt: 1, finishedAt: 2, exitCode: o.exitCode, reason: o.exitCode === 0 ? 'Completed' : 'Error',
    message: o.message ?? '', logPath: o.logPath ?? '', labels: {}, annotations,
  };
}

test('each run gets a fresh, empty, world-writable file mounted read-write at the termination path', () =>
  withDir(async (dir) => {
    const first = await setUpTerminationMessage(dir, { name: 'main' }, 0, []);
    const m = first.mounts[0];
    assert.equal(m?.containerPath, '/dev/termination-log');
    assert.equal(m?.readOnly, false);
    assert.equal((await stat(m?.hostPath ?? '')).mode & 0o777, 0o666);
    assert.equal((await stat(m?.hostPath ?? '')).size, 0);
    assert.equal(first.annotations[ANNOTATION_TERMINATION_MESSAGE_FILE], m?.hostPath);
    assert.equal(first.annotations[ANNOTATION_TERMINATION_MESSAGE_POLICY], 'File');

    const custom = await setUpTerminationMessage(dir, { name: 'main', terminationMessagePath: '/dev/termination-custom-log-path', terminationMessagePolicy: 'FallbackToLogsOnError' }, 1, []);
    assert.equal(custom.mounts[0]?.containerPath, '/dev/termination-custom-log-path');
    assert.notEqual(custom.mounts[0]?.hostPath, m?.hostPath);
    assert.equal(custom.annotations[ANNOTATION_TERMINATION_MESSAGE_PATH], '/dev/termination-custom-log-path');
    assert.equal(custom.annotations[ANNOTATION_TERMINATION_MESSAGE_POLICY], 'FallbackToLogsOnError');
  }));

test('no mount when a volume is mounted at the path; files of old runs are removed', () =>
  withDir(async (dir) => {
    const taken = await setUpTerminationMessage(dir, { name: 'main' }, 0, [{ containerPath: '/dev/termination-log', hostPath: '/x', readOnly: false }]);
    assert.deepEqual(taken.mounts, []);
    for (let attempt = 0; attempt < 6; attempt++) await setUpTerminationMessage(dir, { name: 'main' }, attempt, []);
    const runs = (await readdir(join(dir, 'containers', 'main'))).map((n) => Number(n.split('-')[0])).sort();
    assert.deepEqual(runs, [3, 4, 5]);
  }));

test('the file gives the message, at most its last 4096 bytes, whatever the policy and exit code', () =>
  withDir(async (dir) => {
    const file = join(dir, 'msg');
    await writeFile(file, 'OK');
    assert.equal(await readTerminationMessage(exited({ exitCode: 0, file })), 'OK');
    assert.equal(await readTerminationMessage(exited({ exitCode: 1, file, policy: 'FallbackToLogsOnError' })), 'OK');
    await writeFile(file, `${'a'.repeat(10)}${'b'.repeat(4096)}`);
    assert.equal(await readTerminationMessage(exited({ exitCode: 0, file })), 'b'.repeat(4096));
  }));

test('FallbackToLogsOnError: an empty file of a failed container gives the log text; success gives nothing', () =>
  withDir(async (dir) => {
    const file = join(dir, 'msg');
    const logPath = join(dir, '0.log');
    await writeFile(file, '');
    await writeFile(logPath, cri(['DONE', 'P']));
    assert.equal(await readTerminationMessage(exited({ exitCode: 1, file, logPath, policy: 'FallbackToLogsOnError' })), 'DONE');
    assert.equal(await readTerminationMessage(exited({ exitCode: 0, file, logPath, policy: 'FallbackToLogsOnError' })), '');
    assert.equal(await readTerminationMessage(exited({ exitCode: 1, file, logPath, policy: 'File' })), '');
  }));

test('a missing or unreadable file or log gives no message, never an error', () =>
  withDir(async (dir) => {
    assert.equal(await readTerminationMessage(exited({ exitCode: 0, file: join(dir, 'gone') })), '');
    assert.equal(await readTerminationMessage(exited({ exitCode: 1, file: dir })), '');
    assert.equal(await readTerminationMessage(exited({ exitCode: 1, file: join(dir, 'gone'), logPath: join(dir, 'gone.log'), policy: 'FallbackToLogsOnError' })), '');
    // Missing file, readable log: the fallback still applies.
    const logPath = join(dir, '0.log');
    await writeFile(logPath, cri(['boom', 'F']));
    assert.equal(await readTerminationMessage(exited({ exitCode: 2, file: join(dir, 'gone'), logPath, policy: 'FallbackToLogsOnError' })), 'boom\n');
  }));

test('the log tail is the text of the last 80 lines (partial records joined), then its last 2048 bytes', () => {
  const lines = Array.from({ length: 100 }, (_, i) => [`line ${i}`, 'F'] as [string, 'F']);
  const tail = logTailText(cri(...lines), true);
  assert.equal(tail, Array.from({ length: 80 }, (_, i) => `line ${i + 20}\n`).join(''));
  assert.equal(logTailText(cri(['hel', 'P'], ['lo', 'F'], ['end', 'P']), true), 'hello\nend');
  const long = logTailText(cri(['x'.repeat(3000), 'F'], ['last', 'F']), true);
  assert.equal(Buffer.byteLength(long), 2048);
  assert.ok(long.endsWith('x\nlast\n'));
  // A read that began mid-record drops that first fragment; a cut never splits a character.
  assert.equal(logTailText(Buffer.concat([Buffer.from('ut F cut\n'), cri(['kept', 'F'])]), false), 'kept\n');
  assert.equal(logTailText(cri(['é'.repeat(1500), 'P']), true, 80, 2047), 'é'.repeat(1023));
});

test('apply adds messages to exited containers once, joined to the runtime message, without touching its input', () =>
  withDir(async (dir) => {
    const file = join(dir, 'msg');
    await writeFile(file, 'first');
    const t = new TerminationMessages();
    const original = exited({ exitCode: 137, file, message: 'OOM' });
    const running: ContainerStatus = { ...exited({ exitCode: 0, file, id: 'c2' }), state: 'running' };
    const [a, b] = await t.apply([original, running]);
    assert.equal(a?.message, 'OOM: first');
    assert.equal(original.message, 'OOM');
    assert.equal(b, running);
    await writeFile(file, 'second');
    assert.equal((await t.apply([original]))[0]?.message, 'OOM: first');
    assert.equal(joinMessages('', 'x'), 'x');
    assert.equal(joinMessages('r', ''), 'r');
  }));
