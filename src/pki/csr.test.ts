import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeys } from './certificates.js';
import { createCsr, CsrError, parseCsr } from './csr.js';
import { pemBlocks, toPem } from './pem.js';

test('a request round-trips: subject, SANs and public key', () => {
  const keys = generateKeys();
  const pem = createCsr({
    commonName: 'system:node:worker-1',
    organizations: ['system:nodes'],
    dnsNames: ['worker-1', 'worker-1.example.com'],
    ipAddresses: ['10.0.0.7', '::1', 'fd00::1:2'],
    keys,
  });
  assert.match(pem, /^-----BEGIN CERTIFICATE REQUEST-----\n/);
  const csr = parseCsr(pem);
  assert.equal(csr.commonName, 'system:node:worker-1');
  assert.deepEqual(csr.organizations, ['system:nodes']);
  assert.deepEqual(csr.dnsNames, ['worker-1', 'worker-1.example.com']);
  assert.deepEqual(csr.ipAddresses, ['10.0.0.7', '::1', 'fd00::1:2']);
  assert.deepEqual(csr.emailAddresses, []);
  assert.equal(
    csr.publicKey.export({ type: 'spki', format: 'der' }).toString('hex'),
    keys.publicKey.export({ type: 'spki', format: 'der' }).toString('hex'),
  );
});

test('a request without SANs has an empty attribute set; DER input is accepted', () => {
  const pem = createCsr({ commonName: 'system:node:a', organizations: ['system:nodes'], keys: generateKeys() });
  const der = pemBlocks(pem)[0]?.der;
  assert.ok(der);
  const csr = parseCsr(der);
  assert.equal(csr.commonName, 'system:node:a');
  assert.deepEqual(csr.dnsNames, []);
  assert.deepEqual(csr.ipAddresses, []);
});

test('a request whose content was changed after signing is rejected', () => {
  const pem = createCsr({ commonName: 'system:node:aaaa', organizations: ['system:nodes'], keys: generateKeys() });
  const der = pemBlocks(pem)[0]?.der ?? Buffer.alloc(0);
  const at = der.indexOf(Buffer.from('aaaa'));
  assert.ok(at > 0);
  const forged = Buffer.from(der);
  forged.write('bbbb', at, 'ascii');
  assert.throws(() => parseCsr(toPem('CERTIFICATE REQUEST', forged)), (err: unknown) => err instanceof CsrError && /signature/.test(err.message));
});

test('garbage and other PEM types are CsrErrors', () => {
  assert.throws(() => parseCsr('not a request'), CsrError);
  assert.throws(() => parseCsr(toPem('CERTIFICATE REQUEST', Buffer.from([0x30, 0x03, 0x02, 0x01]))), CsrError);
  assert.throws(() => parseCsr(toPem('CERTIFICATE', Buffer.from([0x30, 0x00]))), CsrError);
});

test('OpenSSL reads and verifies the request, and its requests parse here', (t) => {
  if (spawnSync('openssl', ['version']).status !== 0) return t.skip('openssl is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-csr-'));
  try {
    const file = join(dir, 'req.pem');
    writeFileSync(file, createCsr({ commonName: 'system:node:n1', organizations: ['system:nodes'], dnsNames: ['n1'], ipAddresses: ['192.168.1.2'], keys: generateKeys() }));
    const out = spawnSync('openssl', ['req', '-in', file, '-noout', '-verify', '-text'], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout + out.stderr, /verify OK/i);
    assert.match(out.stdout, /O = system:nodes, CN = system:node:n1/);
    assert.match(out.stdout, /DNS:n1, IP Address:192.168.1.2/);

    const key = join(dir, 'rsa.key');
    const made = spawnSync('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-subj', '/O=system:nodes/CN=system:node:n2', '-addext', 'subjectAltName=DNS:n2,IP:10.1.2.3'], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    const csr = parseCsr(made.stdout);
    assert.equal(csr.commonName, 'system:node:n2');
    assert.deepEqual(csr.organizations, ['system:nodes']);
    assert.deepEqual(csr.dnsNames, ['n2']);
    assert.deepEqual(csr.ipAddresses, ['10.1.2.3']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
