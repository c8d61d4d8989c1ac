import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigMap, Pod, Secret } from 'kubernetes-types/core/v1.js';
import { eventsFor, startKubeletHarness } from '../testing.js';

const CM = { group: '', version: 'v1', resource: 'configmaps' } as const;

test('configMap, secret and downwardAPI volumes are written, and a configMap update propagates', async () => {
  const h = await startKubeletHarness();
  try {
    const cms = h.client.resource<ConfigMap>(CM, 'default');
    await cms.create({ metadata: { name: 'app-config' }, data: { 'app.conf': 'v1', other: 'o' } });
    await h.client.resource<Secret>({ group: '', version: 'v1', resource: 'secrets' }, 'default').create({ metadata: { name: 'creds' }, data: { token: Buffer.from('s3cret').toString('base64') } });
    const created = await h.createPod({
      metadata: { name: 'vols', labels: { tier: 'web', app: 'x' } },
      spec: {
        volumes: [
          { name: 'cfg', configMap: { name: 'app-config' } },
          { name: 'picked', configMap: { name: 'app-config', items: [{ key: 'app.conf', path: 'conf/main.conf', mode: 0o600 }] } },
          { name: 'sec', secret: { secretName: 'creds', defaultMode: 0o400 } },
          { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
          { name: 'scratch', emptyDir: {} },
        ],
        containers: [{ name: 'main', image: 'busybox:1.36', volumeMounts: [{ name: 'cfg', mountPath: '/etc/app' }, { name: 'scratch', mountPath: '/data', subPath: 'sub' }] }],
      },
    });
    await h.waitForPod('vols', (p) => p.status?.phase === 'Running');
    const base = join(h.rootDir, 'pods', created.metadata?.uid ?? '', 'volumes');
    const cfg = join(base, 'kubernetes.io~configmap', 'cfg');
    assert.equal(readFileSync(join(cfg, 'app.conf'), 'utf8'), 'v1');
    assert.equal(readlinkSync(join(cfg, 'app.conf')), '..data/app.conf');
    assert.equal(statSync(join(cfg, 'app.conf')).mode & 0o777, 0o644);
    const picked = join(base, 'kubernetes.io~configmap', 'picked', 'conf', 'main.conf');
    assert.equal(readFileSync(picked, 'utf8'), 'v1');
    assert.equal(statSync(picked).mode & 0o777, 0o600);
    const sec = join(base, 'kubernetes.io~secret', 'sec', 'token');
    assert.equal(readFileSync(sec, 'utf8'), 's3cret');
    assert.equal(statSync(sec).mode & 0o777, 0o400);
    assert.equal(readFileSync(join(base, 'kubernetes.io~downward-api', 'info', 'labels'), 'utf8'), 'app="x"\ntier="web"');
    assert.equal(readFileSync(join(base, 'kubernetes.io~downward-api', 'info', 'name'), 'utf8'), 'vols');
    assert.ok(statSync(join(base, 'kubernetes.io~empty-dir', 'scratch', 'sub')).isDirectory());
    // An emptyDir is writable by any user, whatever the kubelet's umask.
    assert.equal(statSync(join(base, 'kubernetes.io~empty-dir', 'scratch')).mode & 0o7777, 0o777);

    const current = await cms.get('app-config');
    await cms.update({ ...current, data: { 'app.conf': 'v2' } });
    await h.waitFor('updated file', () => {
      try {
        return readFileSync(join(cfg, 'app.conf'), 'utf8') === 'v2';
      } catch {
        return false;
      }
    });
    await h.waitFor('removed key', () => {
      try {
        statSync(join(cfg, 'other'));
        return false;
      } catch {
        return true;
      }
    });
  } finally {
    await h.close();
  }
});

test('a missing configMap fails the mount with FailedMount and keeps the pod ContainerCreating', async () => {
  const h = await startKubeletHarness();
  try {
    await h.createPod({ metadata: { name: 'nomount' }, spec: { volumes: [{ name: 'cfg', configMap: { name: 'absent' } }], containers: [{ name: 'main', image: 'busybox:1.36' }] } });
    const ev = await h.waitFor('FailedMount', () => eventsFor(h, 'nomount').find((e) => e.reason === 'FailedMount'));
    assert.equal(ev.message, 'MountVolume.SetUp failed for volume "cfg" : configmap "absent" not found');
    const pod = await h.waitForPod('nomount', (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ContainerCreating');
    assert.equal(pod.status?.phase, 'Pending');
  } finally {
    await h.close();
  }
});

test('projected files are reachable by any user; with an fsGroup every volume is group-owned by it, group-readable, directories setgid', { skip: process.getuid?.() !== 0 }, async () => {
  const h = await startKubeletHarness();
  try {
    await h.client.resource<Secret>({ group: '', version: 'v1', resource: 'secrets' }, 'default').create({ metadata: { name: 'grp' }, data: { key: Buffer.from('v').toString('base64') } });
    await h.client.resource<ConfigMap>(CM, 'default').create({ metadata: { name: 'plain' }, data: { a: '1' } });
    const created = await h.createPod({
      metadata: { name: 'owned' },
      spec: {
        securityContext: { fsGroup: 1001, runAsUser: 1000 },
        volumes: [
          { name: 'sec', secret: { secretName: 'grp', defaultMode: 0o400 } },
          { name: 'scratch', emptyDir: {} },
        ],
        containers: [{ name: 'main', image: 'busybox:1.36' }],
      },
    });
    const other = await h.createPod({ metadata: { name: 'unowned' }, spec: { volumes: [{ name: 'cfg', configMap: { name: 'plain' } }], containers: [{ name: 'main', image: 'busybox:1.36' }] } });
    await h.waitForPod('owned', (p) => p.status?.phase === 'Running');
    await h.waitForPod('unowned', (p) => p.status?.phase === 'Running');
    const base = (pod: typeof created) => join(h.rootDir, 'pods', pod.metadata?.uid ?? '', 'volumes');
    // The timestamped data directory is 0755 (mkdtemp alone would leave it 0700).
    const data = join(base(other), 'kubernetes.io~configmap', 'cfg', readlinkSync(join(base(other), 'kubernetes.io~configmap', 'cfg', '..data')));
    assert.equal(statSync(data).mode & 0o7777, 0o755);
    const secret = statSync(join(base(created), 'kubernetes.io~secret', 'sec', 'key'));
    assert.equal(secret.gid, 1001);
    assert.equal(secret.mode & 0o7777, 0o440, 'defaultMode 0400 plus group read: -r--r-----');
    const scratchDir = join(base(created), 'kubernetes.io~empty-dir', 'scratch');
    assert.equal(statSync(scratchDir).gid, 1001);
    assert.equal(statSync(scratchDir).mode & 0o7777, 0o2777);
    // Later syncs (a label change brings one) leave the emptyDir as it is.
    await h.client.resource<Pod>({ group: '', version: 'v1', resource: 'pods' }, 'default').patch('owned', 'merge', { metadata: { labels: { synced: 'again' } } });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(statSync(scratchDir).mode & 0o7777, 0o2777);
  } finally {
    await h.close();
  }
});
