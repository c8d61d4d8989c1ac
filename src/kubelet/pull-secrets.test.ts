import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Secret } from 'kubernetes-types/core/v1.js';
import { credentialsFor, imageLocation, keyringEntries, parseRegistryKey, pullForPod } from './pull-secrets.js';
import type { ContainerRuntime, RegistryAuth } from './runtime/runtime.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function dockerConfigJson(name: string, auths: Record<string, Record<string, string>>): Secret {
  return { metadata: { name, namespace: 'default' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) } };
}

test('registry keys: scheme and the /v1/ API prefix are dropped, Docker Hub aliases fold into docker.io', () => {
  assert.deepEqual(parseRegistryKey('registry.example.com:5000'), { host: 'registry.example.com:5000', path: '' });
  assert.deepEqual(parseRegistryKey('https://index.docker.io/v1/'), { host: 'docker.io', path: '' });
  assert.deepEqual(parseRegistryKey('http://Example.com/v2/team/app'), { host: 'example.com', path: 'team/app' });
  assert.deepEqual(parseRegistryKey('*.example.com'), { host: '*.example.com', path: '' });
});

test('image locations are normalised like containerd names them', () => {
  assert.deepEqual(imageLocation('busybox'), { host: 'docker.io', path: 'library/busybox' });
  assert.deepEqual(imageLocation('127.0.0.1:5443/team/busybox:1.35'), { host: '127.0.0.1:5443', path: 'team/busybox' });
});

test('entries take username/password, or decode the auth field; other secret types have none', () => {
  const s = dockerConfigJson('a', { 'r.example.com': { auth: b64('alice:s3cr:et') }, 'q.example.com': { username: 'bob', password: 'pw' }, 'empty.example.com': {} });
  assert.deepEqual(
    keyringEntries(s).map((e) => [e.host, e.auth]),
    [
      ['r.example.com', { username: 'alice', password: 's3cr:et' }],
      ['q.example.com', { username: 'bob', password: 'pw' }],
    ],
  );
  const cfg: Secret = { type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64(JSON.stringify({ 'old.example.com': { username: 'u', password: 'p' } })) } };
  assert.deepEqual(keyringEntries(cfg)[0]?.auth, { username: 'u', password: 'p' });
  assert.deepEqual(keyringEntries({ type: 'Opaque', data: { '.dockerconfigjson': b64('{}') } }), []);
  assert.deepEqual(keyringEntries({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('not json') } }), []);
});

test('credentials match host (port included, * per label) and path prefix, most specific first', () => {
  const secrets = [
    dockerConfigJson('a', {
      'r.example.com': { username: 'host' },
      'r.example.com/team': { username: 'team' },
      'r.example.com:5000': { username: 'port' },
      '*.example.com': { username: 'glob' },
      'r.example.com/teamx': { username: 'other-path' },
    }),
  ];
  const users = (image: string): (string | undefined)[] => credentialsFor(image, secrets).map((a: RegistryAuth) => a.username);
  assert.deepEqual(users('r.example.com/team/app:1'), ['team', 'host', 'glob']);
  assert.deepEqual(users('r.example.com:5000/app'), ['port']);
  assert.deepEqual(users('s.example.com/app'), ['glob']);
  assert.deepEqual(users('a.b.example.com/app'), []);
  assert.deepEqual(users('busybox'), []);
  assert.deepEqual(credentialsFor('busybox', [dockerConfigJson('hub', { 'https://index.docker.io/v1/': { username: 'hub' } })]).map((a) => a.username), ['hub']);
});

test('pullForPod tries each matching credential until one pulls, and pulls anonymously when none match', async () => {
  const calls: (string | undefined)[] = [];
  const runtime = {
    pullImage: async (_image: string, auth?: RegistryAuth) => {
      calls.push(auth?.username);
      if (auth?.username !== 'good') throw new Error(`denied for ${auth?.username ?? 'anonymous'}`);
      return 'sha256:abc';
    },
  } as Pick<ContainerRuntime, 'pullImage'> as ContainerRuntime;
  const secrets: Record<string, Secret> = {
    bad: dockerConfigJson('bad', { 'r.example.com/team': { username: 'bad' } }),
    good: dockerConfigJson('good', { 'r.example.com': { username: 'good' } }),
  };
  const getSecret = async (_ns: string, name: string): Promise<Secret | undefined> => secrets[name];
  const pod: Pod = { metadata: { namespace: 'default' }, spec: { containers: [], imagePullSecrets: [{ name: 'missing' }, { name: 'good' }, { name: 'bad' }] } };
  assert.equal(await pullForPod(runtime, getSecret, pod, 'r.example.com/team/app:1'), 'sha256:abc');
  assert.deepEqual(calls, ['bad', 'good']);
  calls.length = 0;
  await assert.rejects(pullForPod(runtime, getSecret, pod, 'elsewhere.example.org/app'), /denied for anonymous/);
  assert.deepEqual(calls, [undefined]);
});
