import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { test } from 'node:test';
import { decodeJws, keyId, publicJwk, signingKey, signJws, verifyJws } from './jwt.js';

const rsa = signingKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
const ec = signingKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);

test('the key id is the SHA-256 of the PKIX DER public key, base64url without padding (Kubernetes keyIDFromPublicKey)', () => {
  const der = rsa.publicKey.export({ type: 'spki', format: 'der' });
  assert.equal(keyId(rsa.publicKey), createHash('sha256').update(der).digest('base64url'));
  assert.equal(rsa.kid.length, 43);
  assert.doesNotMatch(rsa.kid, /[=+/]/);
});

test('an RS256 token verifies with node:crypto from the published JWK alone', () => {
  const token = signJws(JSON.stringify({ sub: 'x' }), rsa);
  const [head, body, sig] = token.split('.') as [string, string, string];
  assert.deepEqual(JSON.parse(Buffer.from(head, 'base64url').toString()), { alg: 'RS256', kid: rsa.kid });
  const jwk = publicJwk(rsa);
  assert.deepEqual(Object.keys(jwk), ['use', 'kty', 'kid', 'alg', 'n', 'e']);
  assert.equal(jwk['use'], 'sig');
  const published = createPublicKey({ key: JSON.parse(JSON.stringify(jwk)) as import('node:crypto').JsonWebKey, format: 'jwk' });
  assert.ok(verify('sha256', Buffer.from(`${head}.${body}`), published, Buffer.from(sig, 'base64url')));
});

test('ECDSA P-256 keys sign ES256 with raw r||s signatures', () => {
  const token = signJws('{"a":1}', ec);
  const jws = decodeJws(token);
  assert.ok(jws);
  assert.equal(jws.header['alg'], 'ES256');
  assert.equal(jws.signature.length, 64);
  assert.ok(verifyJws(jws, [ec]));
  assert.deepEqual(Object.keys(publicJwk(ec)), ['use', 'kty', 'kid', 'crv', 'alg', 'x', 'y']);
});

test('a tampered payload, another key, or another algorithm does not verify', () => {
  const token = signJws(JSON.stringify({ sub: 'a' }), rsa);
  const [head, , sig] = token.split('.');
  const forged = decodeJws(`${head}.${Buffer.from(JSON.stringify({ sub: 'b' })).toString('base64url')}.${sig}`);
  assert.ok(forged);
  assert.equal(verifyJws(forged, [rsa]), false);
  const good = decodeJws(token);
  assert.ok(good);
  assert.equal(verifyJws(good, [ec]), false);
  assert.equal(verifyJws({ ...good, header: { ...good.header, alg: 'none' } }, [rsa]), false);
  assert.equal(decodeJws('not.a.jwt!'), undefined);
});
