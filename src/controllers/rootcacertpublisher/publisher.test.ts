// The root-ca-cert-publisher against a real API server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import { findResource } from '../../api/resources.js';
import { startControllerHarness, type ControllerHarness } from '../testing.js';
import { DESCRIPTION, rootCaCertPublisherController } from './publisher.js';

const namespaces = findResource('', 'v1', 'namespaces') ?? assert.fail('namespaces');
const configMaps = findResource('', 'v1', 'configmaps') ?? assert.fail('configmaps');
const CA = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function rootCa(h: ControllerHarness, ns: string): Promise<ConfigMap | undefined> {
  try {
    return await h.client.resource<ConfigMap>(configMaps, ns).get('kube-root-ca.crt');
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return undefined;
    throw err;
  }
}

test('every namespace gets kube-root-ca.crt with the CA, recreated when deleted and restored when edited', async () => {
  const h = await startControllerHarness();
  try {
    h.start(rootCaCertPublisherController({ rootCaCert: CA }));
    // A namespace that existed before the controller started, and a new one.
    await until('kube-root-ca.crt in default', async () => (await rootCa(h, 'default')) !== undefined);
    await h.client.resource(namespaces).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
    await until('kube-root-ca.crt in team-a', async () => (await rootCa(h, 'team-a')) !== undefined);
    const first = await rootCa(h, 'team-a');
    assert.deepEqual(first?.data, { 'ca.crt': CA });
    assert.equal(first?.metadata?.annotations?.['kubernetes.io/description'], DESCRIPTION);

    await h.client.resource(configMaps, 'team-a').delete('kube-root-ca.crt');
    await until('kube-root-ca.crt recreated', async () => {
      const cm = await rootCa(h, 'team-a');
      return cm !== undefined && cm.metadata?.uid !== first?.metadata?.uid;
    });

    const current = (await rootCa(h, 'team-a')) ?? assert.fail('kube-root-ca.crt');
    await h.client.resource<ConfigMap>(configMaps, 'team-a').update({
      ...current,
      metadata: { ...current.metadata, labels: { mine: 'yes' }, annotations: {} },
      data: { 'ca.crt': 'tampered', extra: 'x' },
    });
    await until('kube-root-ca.crt restored', async () => (await rootCa(h, 'team-a'))?.data?.['ca.crt'] === CA);
    const restored = await rootCa(h, 'team-a');
    assert.deepEqual(restored?.data, { 'ca.crt': CA });
    assert.equal(restored?.metadata?.annotations?.['kubernetes.io/description'], DESCRIPTION);
    assert.deepEqual(restored?.metadata?.labels, { mine: 'yes' });
  } finally {
    await h.close();
  }
});
