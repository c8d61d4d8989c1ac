// TokenRequest, bound-token invalidation, TokenReview audiences and issuer discovery, over HTTP.
import assert from 'node:assert/strict';
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { after, before, test } from 'node:test';
import { DEFAULT_ISSUER } from './authn/service-account-tokens.js';
import { startTestServer, type TestServer } from './testing.js';

/**
 * What authentication makes of a token: a SelfSubjectReview, which every authenticated user may
 * create (system:basic-user), answers 201; a refused token gets 401.
 */
async function authStatus(token: string): Promise<number> {
  const body = { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' };
  return (await s.req('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { token, body })).status;
}

let s: TestServer;
before(async () => {
  s = await startTestServer({ advertiseAddress: '192.0.2.10' });
  await s.req('POST', '/api/v1/namespaces/default/serviceaccounts', { body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } } });
});
after(() => s.close());

const sa = '/api/v1/namespaces/default/serviceaccounts';
const claimsOf = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;

async function requestToken(name: string, spec: Record<string, unknown>) {
  return s.req('POST', `${sa}/${name}/token`, { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec } });
}

async function tokenFor(name: string, spec: Record<string, unknown> = {}): Promise<string> {
  const r = await requestToken(name, spec);
  assert.equal(r.status, 201, r.text);
  return (r.json()['status'] as { token: string }).token;
}

async function createPod(name: string, serviceAccountName: string, nodeName?: string): Promise<string> {
  const r = await s.req('POST', '/api/v1/namespaces/default/pods', {
    body: { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { serviceAccountName, ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'busybox' }] } },
  });
  assert.equal(r.status, 201, r.text);
  return String(r.json().metadata?.['uid']);
}

test('discovery: the OpenID configuration and the key set, as Kubernetes serves them, to authenticated users only', async () => {
  const config = await s.req('GET', '/.well-known/openid-configuration');
  assert.equal(config.status, 200, config.text);
  assert.equal(config.headers['content-type'], 'application/json');
  assert.equal(config.headers['cache-control'], 'public, max-age=3600');
  assert.equal(config.text, JSON.stringify({
    issuer: DEFAULT_ISSUER,
    jwks_uri: `https://192.0.2.10:${s.port}/openid/v1/jwks`,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
  }));
  const jwks = await s.req('GET', '/openid/v1/jwks');
  assert.equal(jwks.status, 200);
  assert.equal(jwks.headers['content-type'], 'application/jwk-set+json');
  assert.equal(jwks.headers['cache-control'], 'public, max-age=3600');
  const keys = (jwks.json() as { keys: Record<string, string>[] }).keys;
  assert.equal(keys.length, 1);
  assert.deepEqual(Object.keys(keys[0] ?? {}), ['use', 'kty', 'kid', 'alg', 'n', 'e']);
  assert.equal((await s.req('GET', '/openid/v1/jwks', { token: null })).status, 401);
  assert.equal((await s.req('POST', '/openid/v1/jwks', { body: {} })).status, 405);
  assert.ok(((await s.req('GET', '/')).json()['paths'] as string[]).includes('/openid/v1/jwks'));
});

test('a requested token is RS256 with the published kid, verifies from the JWK alone, and authenticates', async () => {
  const token = await tokenFor('robot');
  const [head, body, sig] = token.split('.') as [string, string, string];
  const header = JSON.parse(Buffer.from(head, 'base64url').toString()) as Record<string, string>;
  const jwk = ((await s.req('GET', '/openid/v1/jwks')).json() as { keys: Record<string, string>[] }).keys[0] ?? {};
  assert.deepEqual(header, { alg: 'RS256', kid: jwk['kid'] });
  const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  assert.ok(verify('sha256', Buffer.from(`${head}.${body}`), key, Buffer.from(sig, 'base64url')));
  const c = claimsOf(token);
  assert.deepEqual(c['aud'], [DEFAULT_ISSUER]);
  assert.equal(c['iss'], DEFAULT_ISSUER);
  const who = await s.req('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { token, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
  const info = (who.json()['status'] as { userInfo: { username: string; extra: Record<string, string[]> } }).userInfo;
  assert.equal(info.username, 'system:serviceaccount:default:robot');
  assert.deepEqual(info.extra['authentication.kubernetes.io/credential-id'], [`JTI=${String(c['jti'])}`]);
});

test('a token for another audience does not authenticate requests; TokenReview accepts it for that audience', async () => {
  const token = await tokenFor('robot', { audiences: ['foo'] });
  assert.equal((await authStatus(token)), 401);
  const review = async (audiences?: string[]) => (await s.req('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, ...(audiences ? { audiences } : {}) } },
  })).json()['status'] as Record<string, unknown>;
  const forFoo = await review(['foo', 'bar']);
  assert.equal(forFoo['authenticated'], true);
  assert.deepEqual(forFoo['audiences'], ['foo']);
  assert.equal((forFoo['user'] as { username: string }).username, 'system:serviceaccount:default:robot');
  const forApi = await review();
  assert.equal(forApi['authenticated'], undefined);
  assert.equal(forApi['error'], `token audiences ["foo"] is invalid for the target audiences ["${DEFAULT_ISSUER}"]`);
});

test('a pod-bound token names the pod and its node, and is refused once the pod is deleted', async () => {
  const node = await s.req('POST', '/api/v1/nodes', { body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } } });
  assert.equal(node.status, 201, node.text);
  const podUid = await createPod('bound', 'robot', 'n1');
  const token = await tokenFor('robot', { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'bound', uid: podUid } });
  assert.deepEqual(claimsOf(token)['kubernetes.io'], {
    namespace: 'default',
    node: { name: 'n1', uid: node.json().metadata?.['uid'] },
    pod: { name: 'bound', uid: podUid },
    serviceaccount: { name: 'robot', uid: (await s.req('GET', `${sa}/robot`)).json().metadata?.['uid'] },
  });
  assert.equal((await authStatus(token)), 201);
  const del = await s.req('DELETE', '/api/v1/namespaces/default/pods/bound', { body: { gracePeriodSeconds: 0 } });
  assert.equal(del.status, 200, del.text);
  await until(async () => (await authStatus(token)) === 401);
  // A pod of the same name is another pod: the token stays refused.
  await createPod('bound', 'robot');
  assert.equal((await authStatus(token)), 401);
});

test('TokenRequest refuses a pod of another service account, a stale uid, and unsupported kinds', async () => {
  await createPod('other-sa', 'default');
  const wrongSa = await requestToken('robot', { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'other-sa' } });
  assert.equal(wrongSa.status, 400);
  assert.equal(wrongSa.json()['message'], 'cannot bind token for serviceaccount "robot" to pod running with different serviceaccount name.');
  await createPod('mine', 'robot');
  const stale = await requestToken('robot', { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'mine', uid: 'old' } });
  assert.equal(stale.status, 409);
  const kind = await requestToken('robot', { boundObjectRef: { apiVersion: 'v1', kind: 'ConfigMap', name: 'x' } });
  assert.equal(kind.status, 400);
  assert.equal(kind.json()['message'], 'cannot bind token to object of type /v1, Kind=ConfigMap');
  assert.equal((await requestToken('robot', { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'absent' } })).status, 404);
});

test('the kubelet\'s 3607 s pod-bound token lives a year and warns after 3607 s; the answer keeps the asked expiry', async () => {
  const uid = await createPod('kubelet-token', 'robot');
  const r = await requestToken('robot', { expirationSeconds: 3607, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'kubelet-token', uid } });
  assert.equal(r.status, 201, r.text);
  const status = r.json()['status'] as { token: string; expirationTimestamp: string };
  const c = claimsOf(status.token);
  assert.equal((c['exp'] as number) - (c['iat'] as number), 365 * 24 * 3600);
  assert.equal((c['kubernetes.io'] as { warnafter: number }).warnafter - (c['iat'] as number), 3607);
  assert.ok(Math.abs(Date.parse(status.expirationTimestamp) - ((c['iat'] as number) + 3607) * 1000) <= 1000);
});

test('deleting the service account invalidates its tokens', async () => {
  await s.req('POST', sa, { body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'shortlived' } } });
  const token = await tokenFor('shortlived');
  assert.equal((await authStatus(token)), 201);
  await s.req('DELETE', `${sa}/shortlived`);
  await until(async () => (await authStatus(token)) === 401);
});

/** Waits for the watch cache to see a change (it follows storage, like Kubernetes' informers). */
async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
