import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request, createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { parse } from 'yaml';
import { mergeKubeconfig, writeKubeconfig } from './kubeconfig.js';
import { ensurePki } from './pki.js';

const dir = mkdtempSync(join(tmpdir(), 'k8ts-pki-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the CA signs the serving and admin certificates, with the right names and groups', () => {
  const pki = ensurePki(dir, { altNames: ['localhost', '127.0.0.1', 'kubernetes.default.svc'] });
  const ca = new X509Certificate(pki.caCert);
  const serving = new X509Certificate(pki.servingCert);
  const admin = new X509Certificate(pki.adminCert);
  assert.ok(ca.ca);
  assert.ok(serving.verify(ca.publicKey));
  assert.ok(admin.verify(ca.publicKey));
  assert.ok(serving.checkIssued(ca));
  assert.equal(serving.checkHost('kubernetes.default.svc'), 'kubernetes.default.svc');
  assert.equal(serving.checkIP('127.0.0.1'), '127.0.0.1');
  assert.match(admin.subject, /CN=kubernetes-admin/);
  assert.match(admin.subject, /O=system:masters/);
  assert.equal(statSync(join(pki.tlsDir, 'ca.key')).mode & 0o077, 0);
});

test('a second start reuses the PKI; a new SAN re-issues only the serving certificate', () => {
  const a = ensurePki(dir, { altNames: ['localhost', '127.0.0.1', 'kubernetes.default.svc'] });
  const b = ensurePki(dir, { altNames: ['localhost', '127.0.0.1', 'kubernetes.default.svc'] });
  assert.equal(a.servingCert, b.servingCert);
  assert.equal(a.joinToken, b.joinToken);
  const c = ensurePki(dir, { altNames: ['localhost', '127.0.0.1', 'example.test'] });
  assert.notEqual(c.servingCert, a.servingCert);
  assert.equal(c.caCert, a.caCert);
  assert.equal(c.adminCert, a.adminCert);
});

test('mutual TLS works with the generated certificates', async () => {
  const pki = ensurePki(dir, { altNames: ['localhost', '127.0.0.1'] });
  const server = createServer(
    { cert: pki.servingCert, key: pki.servingKey, ca: pki.caCert, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      res.end(socket.authorized ? socket.getPeerCertificate().subject.CN : 'anonymous');
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const get = (withCert: boolean): Promise<string> =>
    new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/', ca: pki.caCert, ...(withCert ? { cert: pki.adminCert, key: pki.adminKey } : {}) },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(body));
        },
      );
      req.on('error', reject);
      req.end();
    });
  try {
    assert.equal(await get(true), 'kubernetes-admin');
    assert.equal(await get(false), 'anonymous');
  } finally {
    server.close();
  }
});

test('kubeconfig is written, and merged into an existing one without losing other contexts', () => {
  const pki = ensurePki(dir);
  const entry = { name: 'k8ts', server: 'https://127.0.0.1:6443', caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey };
  const own = join(dir, 'kubeconfig.yaml');
  writeKubeconfig(own, entry);
  const cfg = parse(readFileSync(own, 'utf8')) as { 'current-context': string; clusters: { cluster: { server: string } }[] };
  assert.equal(cfg['current-context'], 'k8ts');
  assert.equal(cfg.clusters[0]?.cluster.server, 'https://127.0.0.1:6443');

  const user = join(dir, 'home', '.kube', 'config');
  mergeKubeconfig(user, { ...entry, name: 'other' });
  mergeKubeconfig(user, entry);
  mergeKubeconfig(user, { ...entry, server: 'https://127.0.0.1:7000' });
  const merged = parse(readFileSync(user, 'utf8')) as { contexts: { name: string }[]; clusters: { name: string; cluster: { server: string } }[]; 'current-context': string };
  assert.deepEqual(merged.contexts.map((c) => c.name).sort(), ['k8ts', 'other']);
  assert.equal(merged.clusters.find((c) => c.name === 'k8ts')?.cluster.server, 'https://127.0.0.1:7000');
  assert.equal(merged['current-context'], 'k8ts');
});

test('the service account signing key is RSA 2048, private to its owner, reused across starts, with its public half beside it', () => {
  const a = ensurePki(dir);
  const b = ensurePki(dir);
  assert.equal(a.serviceAccountKey, b.serviceAccountKey);
  const key = createPrivateKey(a.serviceAccountKey);
  assert.equal(key.asymmetricKeyType, 'rsa');
  assert.equal(key.asymmetricKeyDetails?.modulusLength, 2048);
  assert.equal(statSync(join(a.tlsDir, 'sa.key')).mode & 0o077, 0);
  const pub = readFileSync(join(a.tlsDir, 'sa.pub'), 'utf8');
  assert.equal(createPublicKey(pub).export({ format: 'jwk' }).n, createPublicKey(key).export({ format: 'jwk' }).n);
});

test('a data dir from before RS256 tokens (a hex HMAC service-account.key) keeps starting and gets an RSA key beside it', () => {
  const old = join(dir, 'old');
  const first = ensurePki(old);
  rmSync(join(first.tlsDir, 'sa.key'));
  rmSync(join(first.tlsDir, 'sa.pub'));
  const hex = `${'ab'.repeat(32)}\n`;
  writeFileSync(join(first.tlsDir, 'service-account.key'), hex);
  const upgraded = ensurePki(old);
  assert.equal(createPrivateKey(upgraded.serviceAccountKey).asymmetricKeyType, 'rsa');
  assert.equal(readFileSync(join(first.tlsDir, 'service-account.key'), 'utf8'), hex);
  assert.equal(upgraded.caCert, first.caCert);
});

test('the front-proxy client certificate is signed by its own CA, not the cluster CA, and is reused', () => {
  const pki = ensurePki(dir, { altNames: ['localhost'] });
  const frontCa = new X509Certificate(pki.frontProxyCaCert);
  const client = new X509Certificate(pki.frontProxyClientCert);
  assert.ok(frontCa.ca);
  assert.ok(client.checkIssued(frontCa));
  assert.ok(!client.checkIssued(new X509Certificate(pki.caCert)));
  assert.match(client.subject, /CN=front-proxy-client/);
  assert.equal(statSync(join(pki.tlsDir, 'front-proxy-client.key')).mode & 0o077, 0);
  assert.equal(ensurePki(dir, { altNames: ['localhost'] }).frontProxyClientCert, pki.frontProxyClientCert);
});
