import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificate, generateKeys } from '../pki/certificates.js';
import { caCertificateHash, ensureJoinTokenFile, formatJoinToken, JoinTokenError, parseJoinToken, tokenMatchesCa } from './join-token.js';

const ca = (): string => createCertificate({ subject: { commonName: 'k8ts-ca' }, keys: generateKeys(), usage: 'ca', validDays: 1 });

test('format and parse: K10<CA hash>::server:<secret>', () => {
  const pem = ca();
  const token = formatJoinToken(pem, 'abc123');
  assert.match(token, /^K10[0-9a-f]{64}::server:abc123$/);
  const parsed = parseJoinToken(`  ${token}\n`);
  assert.deepEqual(parsed, { caHash: caCertificateHash(pem), username: 'server', secret: 'abc123' });
  assert.equal(tokenMatchesCa(parsed, pem), true);
  assert.equal(tokenMatchesCa(parsed, ca()), false);
});

test('the CA hash ignores PEM wrapping and line endings', () => {
  const pem = ca();
  const rewrapped = pem.replace(/\n/g, '\r\n').replace(/-----\r\n/, '-----\r\n\r\n');
  assert.equal(caCertificateHash(rewrapped), caCertificateHash(pem));
});

test('a bare secret parses without a CA pin; malformed tokens are refused', () => {
  assert.deepEqual(parseJoinToken('deadbeef'), { username: 'server', secret: 'deadbeef' });
  assert.equal(tokenMatchesCa(parseJoinToken('deadbeef'), ca()), true);
  assert.throws(() => parseJoinToken('K10abc::server:x'), JoinTokenError);
  assert.throws(() => parseJoinToken('two words'), JoinTokenError);
  assert.throws(() => formatJoinToken(ca(), 'a:b'), JoinTokenError);
});

test('ensureJoinTokenFile upgrades a bare secret in place and follows a new CA', () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-token-'));
  try {
    const file = join(dir, 'token');
    writeFileSync(file, 'cafe01\n');
    const pem = ca();
    const first = ensureJoinTokenFile(file, pem, () => 'unused');
    assert.equal(first.secret, 'cafe01');
    assert.equal(readFileSync(file, 'utf8'), `${first.token}\n`);
    assert.deepEqual(ensureJoinTokenFile(file, pem, () => 'unused'), first);
    const other = ca();
    const second = ensureJoinTokenFile(file, other, () => 'unused');
    assert.equal(second.secret, 'cafe01');
    assert.equal(parseJoinToken(second.token).caHash, caCertificateHash(other));
    rmSync(file);
    assert.equal(ensureJoinTokenFile(file, pem, () => 'fresh').secret, 'fresh');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
