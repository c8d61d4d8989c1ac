// The serviceaccount controller against a real API server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceAccount } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import { findResource } from '../../api/resources.js';
import { startControllerHarness, type ControllerHarness } from '../testing.js';
import { serviceAccountController } from './serviceaccount.js';

const namespaces = findResource('', 'v1', 'namespaces') ?? assert.fail('namespaces');
const serviceAccounts = findResource('', 'v1', 'serviceaccounts') ?? assert.fail('serviceaccounts');

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function defaultAccount(h: ControllerHarness, ns: string): Promise<ServiceAccount | undefined> {
  try {
    return await h.client.resource<ServiceAccount>(serviceAccounts, ns).get('default');
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return undefined;
    throw err;
  }
}

test('every namespace gets a default ServiceAccount, recreated when deleted', async () => {
  const h = await startControllerHarness();
  try {
    h.start(serviceAccountController);
    // Namespaces that existed before the controller started, and new ones.
    await until('default in kube-system', async () => (await defaultAccount(h, 'kube-system')) !== undefined);
    await h.client.resource(namespaces).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
    await until('default in team-a', async () => (await defaultAccount(h, 'team-a')) !== undefined);
    const first = await defaultAccount(h, 'team-a');

    await h.client.resource(serviceAccounts, 'team-a').delete('default');
    await until('default recreated', async () => {
      const sa = await defaultAccount(h, 'team-a');
      return sa !== undefined && sa.metadata?.uid !== first?.metadata?.uid;
    });
    // Exactly one, and no other accounts appear.
    assert.deepEqual((await h.client.resource(serviceAccounts, 'team-a').list()).items.map((s) => s.metadata?.name), ['default']);
  } finally {
    await h.close();
  }
});

test('a terminating namespace does not get its default ServiceAccount back', async () => {
  const h = await startControllerHarness();
  try {
    h.start(serviceAccountController);
    await h.client.resource(namespaces).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'leaving' } });
    await until('default in leaving', async () => (await defaultAccount(h, 'leaving')) !== undefined);
    // No namespace controller runs here, so the namespace stays Terminating.
    await h.client.resource(namespaces).delete('leaving');
    await h.client.resource(serviceAccounts, 'leaving').delete('default');
    // Another namespace's account is created after this deletion was seen; by then "leaving" was skipped.
    await h.client.resource(namespaces).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'after' } });
    await until('default in after', async () => (await defaultAccount(h, 'after')) !== undefined);
    assert.equal(await defaultAccount(h, 'leaving'), undefined);
  } finally {
    await h.close();
  }
});
