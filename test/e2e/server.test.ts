// The `k8ts` CLI and `k8ts server` as a user meets them: help, version, start, kubeconfig,
// readiness, authentication, each datastore, restarts, and a clear error on a broken database.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { startEtcd } from '../../src/storage/etcd/etcd-process.js';
import { startCluster } from './cluster.js';

const root = new URL('../../', import.meta.url).pathname;
const k8ts = (...args: string[]): { code: number; stdout: string; stderr: string } => {
  const r = spawnSync(process.execPath, [join(root, 'bin/k8ts.js'), ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
};

function anonymousGet(url: string, path: string): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('k8ts CLI', () => {
  test('--help lists the commands; server --help documents its flags', () => {
    const top = k8ts('--help');
    assert.equal(top.code, 0);
    for (const cmd of ['server', 'agent', 'version']) assert.match(top.stdout, new RegExp(`^  ${cmd}\\s`, 'm'));
    const server = k8ts('server', '--help');
    assert.equal(server.code, 0);
    for (const flag of ['--data-dir', '--port', '--datastore']) assert.match(server.stdout, new RegExp(`^  ${flag} `, 'm'));
    assert.match(server.stdout, /default: 6443/);
    assert.match(server.stdout, /etcd:\/\/host:port/);
  });

  test('version prints k8ts and Kubernetes versions; bad usage exits 2 with a message', () => {
    const v = k8ts('version');
    assert.equal(v.code, 0);
    assert.match(v.stdout, /^k8ts version \d+\.\d+\.\d+$/m);
    assert.match(v.stdout, /Kubernetes API v1\.33\.0/);
    const bad = k8ts('server', '--no-such-flag');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /no-such-flag/);
    const unknown = k8ts('frobnicate');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
  });
});

describe('k8ts server', () => {
  test('sqlite: serves /readyz, rejects anonymous requests, keeps data across a restart', async () => {
    const c = await startCluster();
    const dataDir = c.dataDir;
    try {
      assert.equal((await c.api('GET', '/readyz')).status, 200);
      assert.equal(await anonymousGet(c.url, '/readyz'), 200);
      assert.equal(await anonymousGet(c.url, '/api/v1/namespaces'), 401);
      const created = await c.api('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'keep' }, data: { k: 'v' } });
      assert.equal(created.status, 201, created.body);
    } finally {
      // stop without removing the data dir: restart on the same one
      await c.stopKeepingData();
    }
    const again = await startCluster({ dataDir });
    try {
      const r = await again.api('GET', '/api/v1/namespaces/default/configmaps/keep');
      assert.equal(r.status, 200, r.body);
      assert.deepEqual((r.json() as { data: unknown }).data, { k: 'v' });
    } finally {
      await again.stop();
    }
  });

  test('services get cluster IPs; cluster DNS answers for kubernetes and kube-dns', async () => {
    const c = await startCluster({ extraArgs: ['--disable', 'agent'] });
    try {
      const svcs = c.kubectl('1.33', ['get', 'svc', '-A']).stdout;
      assert.match(svcs, /^default\s+kubernetes\s+ClusterIP\s+10\.43\.0\.1\s+<none>\s+443\/TCP\s/m);
      assert.match(svcs, /^kube-system\s+kube-dns\s+ClusterIP\s+10\.43\.0\.10\s+<none>\s+53\/UDP,53\/TCP\s/m);
      const created = c.kubectl('1.33', ['create', 'service', 'clusterip', 'web', '--tcp=80:8080']);
      assert.equal(created.code, 0, created.stderr);
      const web = (await c.api('GET', '/api/v1/namespaces/default/services/web')).json() as { spec: { clusterIP: string } };
      assert.match(web.spec.clusterIP, /^10\.43\.\d+\.\d+$/);
      const port = /cluster DNS on [^\s]+:(\d+)/.exec(c.logs())?.[1];
      assert.ok(port, `no DNS port in the server log:\n${c.logs()}`);
      const dig = (name: string): string =>
        spawnSync('dig', ['@127.0.0.1', '-p', port, '+short', '+time=2', '+tries=1', name], { encoding: 'utf8' }).stdout.trim();
      assert.equal(dig('kubernetes.default.svc.cluster.local'), '10.43.0.1');
      assert.equal(dig('kube-dns.kube-system.svc.cluster.local'), '10.43.0.10');
      assert.equal(dig('web.default.svc.cluster.local'), web.spec.clusterIP);
    } finally {
      await c.stop();
    }
  });

  test('a corrupt database file gives a clear error naming the file', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'k8ts-corrupt-'));
    try {
      mkdirSync(join(dataDir, 'db'));
      writeFileSync(join(dataDir, 'db', 'state.db'), 'this is not a database'.repeat(100));
      const r = k8ts('server', '--data-dir', dataDir, '--port', '0', '--user-kubeconfig', 'none');
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /state\.db/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('memory datastore', async () => {
    const c = await startCluster({ datastore: 'memory' });
    try {
      const r = await c.api('POST', '/api/v1/namespaces', { metadata: { name: 'mem' } });
      assert.equal(r.status, 201, r.body);
      assert.equal((await c.api('GET', '/api/v1/namespaces/mem')).status, 200);
    } finally {
      await c.stop();
    }
  });

  test('etcd datastore: two servers share one etcd and see each other\'s writes', async () => {
    const etcd = await startEtcd();
    const a = await startCluster({ datastore: `etcd://${etcd.endpoint}` });
    const b = await startCluster({ datastore: `etcd://${etcd.endpoint}` });
    try {
      const r = await a.api('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'shared' }, data: { from: 'a' } });
      assert.equal(r.status, 201, r.body);
      const seen = await b.api('GET', '/api/v1/namespaces/default/configmaps/shared');
      assert.equal(seen.status, 200, seen.body);
      assert.equal(b.kubectl('1.33', ['get', 'configmap', 'shared', '-o', 'jsonpath={.data.from}']).stdout, 'a');
    } finally {
      await a.stop();
      await b.stop();
      await etcd.stop();
    }
  });
});
