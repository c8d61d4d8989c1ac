import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, ServiceAccount, Volume } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import { startTestServer } from '../testing.js';
import { admitPodServiceAccount, type ServiceAccountAdmissionOptions } from './service-account.js';

const MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

function pod(spec: Partial<NonNullable<Pod['spec']>> = {}, annotations?: Record<string, string>): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'team', ...(annotations ? { annotations } : {}) },
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
  };
}

function account(name: string, extra: Partial<ServiceAccount> = {}): ServiceAccount {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'team' }, ...extra };
}

/** Options over these accounts, never waiting, with a fixed volume suffix. */
function options(...accounts: ServiceAccount[]): ServiceAccountAdmissionOptions & { lookups: number } {
  const o = {
    lookups: 0,
    lookup: async (ns: string, name: string) => {
      o.lookups++;
      return accounts.find((a) => a.metadata?.namespace === ns && a.metadata?.name === name);
    },
    sleep: async () => undefined,
    suffix: () => 'abcde',
  };
  return o;
}

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return err;
  }
  assert.fail('admitted');
}

const expectedVolume: Volume = {
  name: 'kube-api-access-abcde',
  projected: {
    defaultMode: 420,
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  },
};

test('a pod with no account gets `default` and the kube-api-access volume in every container', async () => {
  const p = pod({ initContainers: [{ name: 'init', image: 'busybox' }] });
  await admitPodServiceAccount(p, options(account('default')));
  assert.equal(p.spec?.serviceAccountName, 'default');
  assert.equal(p.spec?.serviceAccount, 'default');
  assert.deepEqual(p.spec?.volumes, [expectedVolume]);
  const mount = { name: 'kube-api-access-abcde', readOnly: true, mountPath: MOUNT };
  assert.deepEqual(p.spec?.containers[0]?.volumeMounts, [mount]);
  assert.deepEqual(p.spec?.initContainers?.[0]?.volumeMounts, [mount]);
  assert.equal(p.spec?.imagePullSecrets, undefined);
});

test('a missing account is refused with Kubernetes\' 403 text', async () => {
  const err = await refusal(admitPodServiceAccount(pod({ serviceAccountName: 'robot' }), options(account('default'))));
  assert.equal(err.code, 403);
  assert.equal(err.reason, 'Forbidden');
  assert.equal(err.message, 'pods "p" is forbidden: error looking up service account team/robot: serviceaccount "robot" not found');
});

test('`default` is looked up 10 times before the pod is refused (the controller may be about to create it)', async () => {
  const o = options();
  const err = await refusal(admitPodServiceAccount(pod(), o));
  assert.match(err.message, /error looking up service account team\/default: serviceaccount "default" not found/);
  assert.equal(o.lookups, 10);
  // An account that appears on the third look is found.
  let looks = 0;
  const late: ServiceAccountAdmissionOptions = { ...options(), lookup: async () => (++looks === 3 ? account('default') : undefined) };
  const p = pod();
  await admitPodServiceAccount(p, late);
  assert.equal(p.spec?.volumes?.[0]?.name, 'kube-api-access-abcde');
});

test('automount: the pod says first, then the account; a container mounting the path keeps its own', async () => {
  const off = pod({ automountServiceAccountToken: false });
  await admitPodServiceAccount(off, options(account('default')));
  assert.equal(off.spec?.volumes, undefined);
  assert.equal(off.spec?.containers[0]?.volumeMounts, undefined);

  const saOff = account('default', { automountServiceAccountToken: false });
  const inherits = pod();
  await admitPodServiceAccount(inherits, options(saOff));
  assert.equal(inherits.spec?.volumes, undefined);
  const overrides = pod({ automountServiceAccountToken: true });
  await admitPodServiceAccount(overrides, options(saOff));
  assert.equal(overrides.spec?.volumes?.length, 1);

  const own = { name: 'mine', mountPath: MOUNT };
  const p = pod({
    volumes: [{ name: 'mine', emptyDir: {} }],
    containers: [
      { name: 'a', image: 'busybox', volumeMounts: [own] },
      { name: 'b', image: 'busybox' },
    ],
  });
  await admitPodServiceAccount(p, options(account('default')));
  assert.deepEqual(p.spec?.containers[0]?.volumeMounts, [own]);
  assert.deepEqual(p.spec?.containers[1]?.volumeMounts, [{ name: 'kube-api-access-abcde', readOnly: true, mountPath: MOUNT }]);
  assert.deepEqual(p.spec?.volumes?.map((v) => v.name), ['mine', 'kube-api-access-abcde']);

  // Every container has its own mount there: no volume is added.
  const none = pod({ volumes: [{ name: 'mine', emptyDir: {} }], containers: [{ name: 'a', image: 'busybox', volumeMounts: [own] }] });
  await admitPodServiceAccount(none, options(account('default')));
  assert.deepEqual(none.spec?.volumes?.map((v) => v.name), ['mine']);
});

test('an existing kube-api-access volume is reused, not added again', async () => {
  const p = pod({ volumes: [{ ...expectedVolume, name: 'kube-api-access-zzzzz' }] });
  await admitPodServiceAccount(p, options(account('default')));
  assert.deepEqual(p.spec?.volumes?.map((v) => v.name), ['kube-api-access-zzzzz']);
  assert.equal(p.spec?.containers[0]?.volumeMounts?.[0]?.name, 'kube-api-access-zzzzz');
});

test("the account's imagePullSecrets go to a pod that has none", async () => {
  const sa = account('builder', { imagePullSecrets: [{ name: 'registry-a' }, { name: 'registry-b' }] });
  const p = pod({ serviceAccountName: 'builder' });
  await admitPodServiceAccount(p, options(sa));
  assert.deepEqual(p.spec?.imagePullSecrets, [{ name: 'registry-a' }, { name: 'registry-b' }]);
  const own = pod({ serviceAccountName: 'builder', imagePullSecrets: [{ name: 'mine' }] });
  await admitPodServiceAccount(own, options(sa));
  assert.deepEqual(own.spec?.imagePullSecrets, [{ name: 'mine' }]);
});

test('mirror pods are not changed, and may not reference accounts, secrets or tokens', async () => {
  const mirror = { 'kubernetes.io/config.mirror': 'hash' };
  const p = pod({}, mirror);
  const before = JSON.stringify(p);
  const o = options();
  await admitPodServiceAccount(p, o);
  assert.equal(JSON.stringify(p), before);
  assert.equal(o.lookups, 0);
  const withSa = await refusal(admitPodServiceAccount(pod({ serviceAccountName: 'default' }, mirror), o));
  assert.equal(withSa.message, 'pods "p" is forbidden: a mirror pod may not reference service accounts');
  const withSecret = await refusal(admitPodServiceAccount(pod({ volumes: [{ name: 's', secret: { secretName: 'x' } }] }, mirror), o));
  assert.match(withSecret.message, /a mirror pod may not reference secrets/);
  const withToken = await refusal(admitPodServiceAccount(pod({ volumes: [expectedVolume] }, mirror), o));
  assert.match(withToken.message, /a mirror pod may not use ServiceAccountToken volume projections/);
});

test('an account enforcing mountable secrets refuses secrets it does not list', async () => {
  const sa = account('strict', {
    metadata: { name: 'strict', namespace: 'team', annotations: { 'kubernetes.io/enforce-mountable-secrets': 'true' } },
    secrets: [{ name: 'ok' }],
  });
  await admitPodServiceAccount(pod({ serviceAccountName: 'strict', volumes: [{ name: 'v', secret: { secretName: 'ok' } }] }), options(sa));
  const vol = await refusal(admitPodServiceAccount(pod({ serviceAccountName: 'strict', volumes: [{ name: 'v', secret: { secretName: 'other' } }] }), options(sa)));
  assert.equal(vol.message, 'pods "p" is forbidden: volume with secret.secretName="other" is not allowed because service account strict does not reference that secret');
  const env = await refusal(
    admitPodServiceAccount(
      pod({ serviceAccountName: 'strict', containers: [{ name: 'c', image: 'busybox', env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'other', key: 'k' } } }] }] }),
      options(sa),
    ),
  );
  assert.match(env.message, /container c with envVar PW referencing secret.secretName="other" is not allowed/);
});

test('through the API: 403 for a missing account, the volume on a created pod, nothing stored by a dry run', async () => {
  const server = await startTestServer({ serviceAccountAdmission: true });
  try {
    assert.equal((await server.req('POST', '/api/v1/namespaces', { body: { metadata: { name: 'team' } } })).status, 201);
    const body = { metadata: { name: 'web' }, spec: { serviceAccountName: 'robot', containers: [{ name: 'c', image: 'busybox' }] } };
    const refused = await server.req('POST', '/api/v1/namespaces/team/pods', { body });
    assert.equal(refused.status, 403);
    assert.equal(refused.json()['message'], 'pods "web" is forbidden: error looking up service account team/robot: serviceaccount "robot" not found');
    assert.equal(refused.json()['reason'], 'Forbidden');

    assert.equal((await server.req('POST', '/api/v1/namespaces/team/serviceaccounts', { body: { metadata: { name: 'robot' } } })).status, 201);
    const dry = await server.req('POST', '/api/v1/namespaces/team/pods?dryRun=All', { body });
    assert.equal(dry.status, 201);
    const created = await server.req('POST', '/api/v1/namespaces/team/pods', { body });
    assert.equal(created.status, 201, created.text);
    const spec = created.json()['spec'] as Pod['spec'];
    assert.equal(spec?.serviceAccountName, 'robot');
    const volume = spec?.volumes?.find((v) => v.name.startsWith('kube-api-access-'));
    assert.match(volume?.name ?? '', /^kube-api-access-[a-z0-9]{5}$/);
    assert.deepEqual(volume?.projected?.sources?.[0], { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } });
    assert.deepEqual(spec?.containers[0]?.volumeMounts, [{ name: volume?.name, readOnly: true, mountPath: MOUNT }]);
  } finally {
    await server.close();
  }
});
