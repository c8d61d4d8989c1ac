import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import type { BoundObjectLookup, ObjectState } from './bound-objects.js';
import { DEFAULT_ISSUER, ServiceAccountTokens, type TokenAuthentication } from './service-account-tokens.js';

const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const tokens = new ServiceAccountTokens({ signingKey: key });
const NOW = Date.parse('2025-01-01T00:00:00Z');

/** Objects by "kind/ns/name"; `async` answers through promises, as a cache that is still filling. */
function objects(states: Record<string, ObjectState>, async = false): BoundObjectLookup {
  const get = (k: string) => (async ? Promise.resolve(states[k]) : states[k]);
  return {
    serviceAccount: (ns, name) => get(`sa/${ns}/${name}`),
    pod: (ns, name) => get(`pod/${ns}/${name}`),
    secret: (ns, name) => get(`secret/${ns}/${name}`),
    node: (name) => get(`node/${name}`),
  };
}

const sa = { 'sa/default/robot': { uid: 'sa-uid' } };
const claimsOf = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
const issue = (extra: Partial<Parameters<ServiceAccountTokens['issue']>[0]> = {}) =>
  tokens.issue({ namespace: 'default', serviceAccount: { name: 'robot', uid: 'sa-uid' }, audiences: [DEFAULT_ISSUER], expirationSeconds: 3600, nowMs: NOW, ...extra }).token;

function user(r: TokenAuthentication | undefined | Promise<unknown>): Extract<TokenAuthentication, { user: unknown }> {
  assert.ok(r && !(r instanceof Promise) && 'user' in r, JSON.stringify(r));
  return r;
}

test('tokens carry the claims TokenRequest issues, in Kubernetes order, and authenticate as the service account', () => {
  const token = issue({ pod: { name: 'p', uid: 'pod-uid' }, node: { name: 'n1', uid: 'node-uid' } });
  const c = claimsOf(token);
  assert.deepEqual(Object.keys(c), ['aud', 'exp', 'iat', 'iss', 'jti', 'kubernetes.io', 'nbf', 'sub']);
  assert.equal(c['iss'], DEFAULT_ISSUER);
  assert.equal(c['sub'], 'system:serviceaccount:default:robot');
  assert.equal(c['iat'], NOW / 1000);
  assert.equal(c['nbf'], NOW / 1000);
  assert.equal(c['exp'], NOW / 1000 + 3600);
  assert.match(String(c['jti']), /^[0-9a-f-]{36}$/);
  assert.deepEqual(c['kubernetes.io'], {
    namespace: 'default',
    node: { name: 'n1', uid: 'node-uid' },
    pod: { name: 'p', uid: 'pod-uid' },
    serviceaccount: { name: 'robot', uid: 'sa-uid' },
  });
  const r = user(tokens.authenticate(token, NOW, objects({ ...sa, 'pod/default/p': { uid: 'pod-uid' } })));
  assert.equal(r.user.username, 'system:serviceaccount:default:robot');
  assert.equal(r.user.uid, 'sa-uid');
  assert.deepEqual(r.user.groups, ['system:serviceaccounts', 'system:serviceaccounts:default']);
  assert.deepEqual(r.user.extra, {
    'authentication.kubernetes.io/pod-name': ['p'],
    'authentication.kubernetes.io/pod-uid': ['pod-uid'],
    'authentication.kubernetes.io/credential-id': [`JTI=${String(c['jti'])}`],
    'authentication.kubernetes.io/node-name': ['n1'],
    'authentication.kubernetes.io/node-uid': ['node-uid'],
  });
  assert.deepEqual(r.audiences, [DEFAULT_ISSUER]);
});

test('a token is accepted only for one of the requested audiences (the API server\'s by default)', () => {
  const foo = issue({ audiences: ['foo', 'bar'] });
  assert.deepEqual(tokens.authenticate(foo, NOW, objects(sa)), {
    error: `token audiences ["foo" "bar"] is invalid for the target audiences ["${DEFAULT_ISSUER}"]`,
  });
  assert.deepEqual(user(tokens.authenticate(foo, NOW, objects(sa), ['bar', 'baz'])).audiences, ['bar']);
});

test('lifetime: expired and not-yet-valid tokens are refused, with go-jose\'s 60 s leeway', () => {
  const token = issue();
  user(tokens.authenticate(token, NOW + 3600_000 + 59_000, objects(sa)));
  assert.deepEqual(tokens.authenticate(token, NOW + 3600_000 + 61_000, objects(sa)), { error: 'service account token has expired' });
  assert.deepEqual(tokens.authenticate(token, NOW - 61_000, objects(sa)), { error: 'service account token is not valid yet' });
});

test('the service account must still exist with the same uid', () => {
  const token = issue();
  assert.deepEqual(tokens.authenticate(token, NOW, objects({})), { error: 'serviceaccount "robot" not found' });
  assert.deepEqual(tokens.authenticate(token, NOW, objects({ 'sa/default/robot': { uid: 'other' } })), {
    error: 'service account UID (other) does not match claim (sa-uid)',
  });
});

test('a bound token is invalidated once its pod, secret or node is gone, replaced, or past its deletion grace', () => {
  const podToken = issue({ pod: { name: 'p', uid: 'pod-uid' } });
  const invalidated = { error: 'service account token has been invalidated' };
  assert.deepEqual(tokens.authenticate(podToken, NOW, objects(sa)), invalidated);
  assert.deepEqual(tokens.authenticate(podToken, NOW, objects({ ...sa, 'pod/default/p': { uid: 'new' } })), {
    error: 'pod UID (new) does not match service account pod ref claim (pod-uid)',
  });
  const terminating = (secondsAgo: number) => ({ ...sa, 'pod/default/p': { uid: 'pod-uid', deletionTimestamp: new Date(NOW - secondsAgo * 1000).toISOString() } });
  user(tokens.authenticate(podToken, NOW, objects(terminating(30))));
  assert.deepEqual(tokens.authenticate(podToken, NOW, objects(terminating(61))), invalidated);

  const secretToken = issue({ secret: { name: 's', uid: 'secret-uid' } });
  assert.deepEqual(tokens.authenticate(secretToken, NOW, objects(sa)), invalidated);
  user(tokens.authenticate(secretToken, NOW, objects({ ...sa, 'secret/default/s': { uid: 'secret-uid' } })));

  const nodeToken = issue({ node: { name: 'n1', uid: 'node-uid' } });
  assert.deepEqual(tokens.authenticate(nodeToken, NOW, objects(sa)), invalidated);
  user(tokens.authenticate(nodeToken, NOW, objects({ ...sa, 'node/n1': { uid: 'node-uid' } })));
});

test('lookups that have to wait make the answer a promise with the same outcome', async () => {
  const podToken = issue({ pod: { name: 'p', uid: 'pod-uid' } });
  const ok = tokens.authenticate(podToken, NOW, objects({ ...sa, 'pod/default/p': { uid: 'pod-uid' } }, true));
  assert.ok(ok instanceof Promise);
  assert.equal(user(await ok).user.username, 'system:serviceaccount:default:robot');
  assert.deepEqual(await tokens.authenticate(podToken, NOW, objects(sa, true)), { error: 'service account token has been invalidated' });
});

test('tokens of another issuer are not this authenticator\'s; another key\'s signature is refused', () => {
  const other = new ServiceAccountTokens({ issuer: 'https://elsewhere.example' });
  const foreign = other.issue({ namespace: 'default', serviceAccount: { name: 'robot', uid: 'sa-uid' }, audiences: [DEFAULT_ISSUER], expirationSeconds: 3600, nowMs: NOW }).token;
  assert.equal(tokens.authenticate(foreign, NOW, objects(sa)), undefined);
  const sameIssuerOtherKey = new ServiceAccountTokens();
  const forged = sameIssuerOtherKey.issue({ namespace: 'default', serviceAccount: { name: 'robot', uid: 'sa-uid' }, audiences: [DEFAULT_ISSUER], expirationSeconds: 3600, nowMs: NOW }).token;
  const r = tokens.authenticate(forged, NOW, objects(sa));
  assert.ok(r && 'error' in r);
  assert.equal(tokens.authenticate('opaque-static-token', NOW, objects(sa)), undefined);
});
