import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Node, Secret } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../api/validation/quantity.js';
import { expand } from './env.js';
import { FakeRuntime } from './runtime/fake/fake-runtime.js';
import type { ContainerConfig, SandboxConfig } from './runtime/runtime.js';
import { eventsFor, startKubeletHarness } from './testing.js';

class RecordingRuntime extends FakeRuntime {
  readonly configs: ContainerConfig[] = [];
  override async createContainer(sandboxId: string, config: ContainerConfig, sandbox: SandboxConfig): Promise<string> {
    this.configs.push(config);
    return super.createContainer(sandboxId, config, sandbox);
  }
}

test('$(VAR) expansion: defined names expand, unknown stay, $$ escapes', () => {
  const vars = new Map([['A', 'x'], ['B', 'y']]);
  const look = (n: string): string | undefined => vars.get(n);
  assert.equal(expand('$(A)-$(B)', look), 'x-y');
  assert.equal(expand('$(C)', look), '$(C)');
  assert.equal(expand('$$(A)', look), '$(A)');
  assert.equal(expand('a$$b', look), 'a$b');
  assert.equal(expand('$(A', look), '$(A');
  assert.equal(expand('cost $5', look), 'cost $5');
});

test('container env resolves values, field and resource refs, configMap/secret keys and envFrom', async () => {
  const runtime = new RecordingRuntime();
  const h = await startKubeletHarness({ runtime });
  try {
    await h.client.resource<ConfigMap>({ group: '', version: 'v1', resource: 'configmaps' }, 'default').create({ metadata: { name: 'cfg' }, data: { mode: 'fast', level: '3' } });
    await h.client.resource<Secret>({ group: '', version: 'v1', resource: 'secrets' }, 'default').create({ metadata: { name: 'sec' }, data: { password: Buffer.from('hunter2').toString('base64') } });
    await h.createPod({
      metadata: { name: 'envy', labels: { app: 'envy' } },
      spec: {
        containers: [
          {
            name: 'main',
            image: 'busybox:1.36',
            command: ['echo', '$(GREETING)', '$$(GREETING)'],
            resources: { requests: { cpu: '250m', memory: '32Mi' }, limits: { cpu: '1250m', memory: '128Mi' } },
            envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }],
            env: [
              { name: 'NAME', value: 'world' },
              { name: 'GREETING', value: 'hello $(NAME)' },
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
              { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
              { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
              { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
              // Without a divisor (the API server stores it as "0"): whole cores rounded up, bytes.
              { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
              { name: 'CPU_REQUEST', valueFrom: { resourceFieldRef: { resource: 'requests.cpu' } } },
              { name: 'MEMORY_REQUEST', valueFrom: { resourceFieldRef: { resource: 'requests.memory' } } },
              { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'mode' } } },
              { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'sec', key: 'password' } } },
              { name: 'OPTIONAL', valueFrom: { configMapKeyRef: { name: 'nope', key: 'x', optional: true } } },
            ],
          },
        ],
      },
    });
    await h.waitForPod('envy', (p) => p.status?.phase === 'Running');
    const config = runtime.configs.find((c) => c.name === 'main');
    const env = Object.fromEntries((config?.env ?? []).map((e) => [e.name, e.value]));
    assert.deepEqual(env, {
      CFG_mode: 'fast',
      CFG_level: '3',
      NAME: 'world',
      GREETING: 'hello world',
      POD_NAME: 'envy',
      APP: 'envy',
      NODE: h.nodeName,
      CPU: '1250',
      MEM_MI: '128',
      CPU_LIMIT: '2',
      CPU_REQUEST: '1',
      MEMORY_REQUEST: String(32 * 1024 * 1024),
      MODE: 'fast',
      PASSWORD: 'hunter2',
      // Every pod gets the variables of the API server's `kubernetes` Service.
      KUBERNETES_SERVICE_HOST: '10.43.0.1',
      KUBERNETES_SERVICE_PORT: '443',
      KUBERNETES_SERVICE_PORT_HTTPS: '443',
      KUBERNETES_PORT: 'tcp://10.43.0.1:443',
      KUBERNETES_PORT_443_TCP: 'tcp://10.43.0.1:443',
      KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
      KUBERNETES_PORT_443_TCP_PORT: '443',
      KUBERNETES_PORT_443_TCP_ADDR: '10.43.0.1',
    });
    assert.deepEqual(config?.command, ['echo', 'hello world', '$(GREETING)']);
  } finally {
    await h.close();
  }
});

test('a missing non-optional reference is CreateContainerConfigError until the object appears', async () => {
  const h = await startKubeletHarness();
  try {
    await h.createPod({
      metadata: { name: 'missing' },
      spec: { containers: [{ name: 'main', image: 'busybox:1.36', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'later', key: 'x' } } }] }] },
    });
    const pod = await h.waitForPod('missing', (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError');
    assert.equal(pod.status?.containerStatuses?.[0]?.state?.waiting?.message, 'configmap "later" not found');
    assert.equal(pod.status?.phase, 'Pending');
    assert.ok(eventsFor(h, 'missing').some((e) => e.reason === 'Failed' && e.message === 'Error: configmap "later" not found'));
    await h.client.resource<ConfigMap>({ group: '', version: 'v1', resource: 'configmaps' }, 'default').create({ metadata: { name: 'later' }, data: { y: '1' } });
    const keyMissing = await h.waitForPod('missing', (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.message === "couldn't find key x in ConfigMap default/later");
    assert.equal(keyMissing.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'CreateContainerConfigError');
  } finally {
    await h.close();
  }
});

test("resource refs to unset limits read the node's allocatable, not its capacity", async () => {
  const runtime = new RecordingRuntime();
  const h = await startKubeletHarness({ runtime });
  try {
    const node = await h.client.resource<Node>({ group: '', version: 'v1', resource: 'nodes' }).get(h.nodeName);
    await h.createPod({
      metadata: { name: 'unlimited' },
      spec: {
        containers: [
          {
            name: 'main',
            image: 'busybox:1.36',
            env: [
              { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
              { name: 'MEMORY_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } },
              { name: 'STORAGE_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.ephemeral-storage' } } },
            ],
          },
        ],
      },
    });
    await h.waitForPod('unlimited', (p) => p.status?.phase === 'Running');
    const env = Object.fromEntries((runtime.configs.find((c) => c.name === 'main')?.env ?? []).map((e) => [e.name, e.value]));
    const allocatable = node.status?.allocatable ?? {};
    assert.equal(env['CPU_LIMIT'], String(allocatable['cpu']));
    assert.equal(Number(env['MEMORY_LIMIT']), parseQuantity(String(allocatable['memory'])));
    assert.equal(Number(env['STORAGE_LIMIT']), parseQuantity(String(allocatable['ephemeral-storage'])));
    assert.notEqual(allocatable['memory'], node.status?.capacity?.['memory'], 'the harness node reserves memory, so the two differ');
  } finally {
    await h.close();
  }
});
