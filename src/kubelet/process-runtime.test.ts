// The kubelet on the process runtime: real processes, real exits, real log files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { containerLogPath, readContainerLogs } from './logs.js';
import { ProcessRuntime } from './runtime/process/process-runtime.js';
import { startKubeletHarness } from './testing.js';

test('process runtime: a pod runs, a crashing one restarts, logs read back, deletion completes', async () => {
  const root = mkdtempSync(join(tmpdir(), 'k8ts-proc-'));
  const runtime = await ProcessRuntime.open({ root, isolation: 'none' });
  const h = await startKubeletHarness({ runtime });
  try {
    await h.createPod({ metadata: { name: 'sleeper' }, spec: { terminationGracePeriodSeconds: 5, containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] } });
    await h.createPod({ metadata: { name: 'crasher' }, spec: { containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'echo attempt; sleep 0.2; exit 2'] }] } });
    const running = await h.waitForPod('sleeper', (p) => p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.ready === true);
    assert.match(running.status?.containerStatuses?.[0]?.containerID ?? '', /^process:\/\//);
    const crashed = await h.waitForPod('crasher', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 15_000);
    assert.equal(crashed.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode, 2);
    const path = await containerLogPath(runtime, crashed.metadata?.uid ?? '', 'main', { previous: true });
    assert.ok(path);
    let text = '';
    for await (const b of readContainerLogs(path, {}, new AbortController().signal)) text += Buffer.from(b).toString();
    assert.equal(text, 'attempt\n');
    await h.client.resource<Pod>({ group: '', version: 'v1', resource: 'pods' }, 'default').delete('sleeper');
    await h.waitFor('sleeper gone', async () => (await h.getPod('sleeper')) === undefined, 15_000);
  } finally {
    await h.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('process runtime: termination messages come from the mounted file, or from the log on failure', async () => {
  const root = mkdtempSync(join(tmpdir(), 'k8ts-proc-'));
  // Without isolation the mount is a link under the container root; with namespaces it is a bind
  // mount at the path itself, whose mount point would be left behind in the host's /dev.
  const runtime = await ProcessRuntime.open({ root, isolation: 'none' });
  const h = await startKubeletHarness({ runtime });
  const target = '"$K8TS_CONTAINER_ROOT/dev/termination-custom-log-path"';
  const once = (name: string, script: string, policy: 'File' | 'FallbackToLogsOnError'): Promise<void> =>
    h.createPod({
      metadata: { name },
      spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', script], terminationMessagePath: '/dev/termination-custom-log-path', terminationMessagePolicy: policy }] },
    }).then(() => undefined);
  const message = async (name: string): Promise<string | undefined> => {
    const p = await h.waitForPod(name, (x) => x.status?.containerStatuses?.[0]?.state?.terminated !== undefined, 15_000);
    return p.status?.containerStatuses?.[0]?.state?.terminated?.message;
  };
  try {
    await once('file', `echo -n DONE > ${target}; echo logged`, 'File');
    await once('fallback', 'echo -n DONE; exit 1', 'FallbackToLogsOnError');
    await once('quiet', 'echo logged', 'FallbackToLogsOnError');
    assert.equal(await message('file'), 'DONE');
    assert.equal(await message('fallback'), 'DONE');
    assert.equal(await message('quiet'), undefined);
  } finally {
    await h.close();
    rmSync(root, { recursive: true, force: true });
  }
});
