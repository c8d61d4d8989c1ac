// The controller manager: shared context, restarts of failing controllers, leader election.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { ConfigMap, Event } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/resources.js';
import { createLogger } from '../log.js';
import type { ControllerContext, ControllerFactory } from './controller.js';
import { startControllerManager } from './manager.js';
import { startControllerHarness } from './testing.js';

const quiet = createLogger('test', { level: 'error' });
const configMaps = findResource('', 'v1', 'configmaps') ?? assert.fail('configmaps');
const eventsResource = findResource('', 'v1', 'events') ?? assert.fail('events');
const leases = findResource('coordination.k8s.io', 'v1', 'leases') ?? assert.fail('leases');

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const aborted = (signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));

/** A controller that only notes while it runs. */
function probe(name: string, running: Set<string>, contexts: ControllerContext[] = []): ControllerFactory {
  return (ctx) => {
    contexts.push(ctx);
    return {
      name,
      async run(signal) {
        running.add(name);
        await aborted(signal);
        running.delete(name);
      },
    };
  };
}

test('controllers share one informer factory; a failing controller is restarted, the others keep running', async () => {
  const h = await startControllerHarness();
  const running = new Set<string>();
  const contexts: ControllerContext[] = [];
  let attempts = 0;
  const flaky: ControllerFactory = () => ({
    name: 'flaky',
    async run(signal) {
      attempts++;
      if (attempts < 3) throw new Error(`boom ${attempts}`);
      running.add('flaky');
      await aborted(signal);
      running.delete('flaky');
    },
  });
  const throwingFactory: ControllerFactory = () => {
    throw new Error('cannot even build');
  };
  const lines: string[] = [];
  const manager = await startControllerManager({
    client: h.client,
    factories: [probe('a', running, contexts), probe('b', running, contexts), flaky, throwingFactory],
    options: { workers: 2 },
    log: createLogger('manager', { level: 'error', write: (l) => lines.push(l) }),
    restartBackoff: { initialMs: 5, maxMs: 20 },
  });
  try {
    await until('every healthy controller to run', () => running.has('a') && running.has('b') && running.has('flaky'));
    assert.equal(attempts, 3);
    assert.ok(lines.some((l) => l.includes('flaky failed: boom 1; restarting it')));
    assert.ok(lines.some((l) => l.includes('failed: cannot even build; restarting it')));
    assert.equal(contexts[0]?.informers, contexts[1]?.informers);
    assert.equal(contexts[0]?.options.workers, 2);
    assert.equal(contexts[0]?.options.eventTtlMs, 3_600_000);
  } finally {
    await manager.stop();
    await h.close();
  }
  assert.equal(running.size, 0);
});

test('events recorded by a controller carry its Kubernetes source name', async () => {
  const h = await startControllerHarness();
  const cm = await h.client.resource<ConfigMap>(configMaps, 'default').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } });
  const emitter: ControllerFactory = (ctx) => ({
    name: 'replicaset',
    async run(signal) {
      ctx.recorder.event(cm, 'Normal', 'SuccessfulCreate', 'Created pod: x');
      await aborted(signal);
    },
  });
  const manager = await startControllerManager({ client: h.client, factories: [emitter], log: quiet });
  try {
    const events = h.client.resource<Event>(eventsResource, 'default');
    await until('the event', async () => (await events.list({ fieldSelector: 'involvedObject.name=cm' })).items.length === 1);
    const [ev] = (await events.list({ fieldSelector: 'involvedObject.name=cm' })).items;
    assert.deepEqual(ev?.source, { component: 'replicaset-controller' });
    assert.equal(ev?.reason, 'SuccessfulCreate');
  } finally {
    await manager.stop();
    await h.close();
  }
});

test('with leader election exactly one of two managers runs controllers; stopping it hands over', async () => {
  const h = await startControllerHarness();
  const running1 = new Set<string>();
  const running2 = new Set<string>();
  const election = { leaseDurationMs: 1_000, renewDeadlineMs: 600, retryPeriodMs: 100 };
  const m1 = await startControllerManager({ client: h.client, factories: [probe('c', running1)], log: quiet, leaderElection: { identity: 'm1', ...election } });
  const m2 = await startControllerManager({ client: h.client, factories: [probe('c', running2)], log: quiet, leaderElection: { identity: 'm2', ...election } });
  let stopped1 = false;
  let stopped2 = false;
  try {
    await until('a leader to run its controllers', () => running1.size + running2.size > 0);
    const kcm = h.client.resource<Lease>(leases, 'kube-system');
    const lease = await kcm.get('kube-controller-manager');
    const leaderIsM1 = running1.size > 0;
    assert.equal(lease.spec?.holderIdentity, leaderIsM1 ? 'm1' : 'm2');
    // A renewal later, still exactly one.
    await until('a renewal', async () => (await kcm.get('kube-controller-manager')).spec?.renewTime !== lease.spec?.renewTime);
    assert.equal(running1.size + running2.size, 1);

    if (leaderIsM1) {
      await m1.stop();
      stopped1 = true;
    } else {
      await m2.stop();
      stopped2 = true;
    }
    assert.equal((leaderIsM1 ? running1 : running2).size, 0);
    await until('the other manager to take over', () => (leaderIsM1 ? running2 : running1).size === 1, 1_000 + 2_000);
  } finally {
    if (!stopped1) await m1.stop();
    if (!stopped2) await m2.stop();
    await h.close();
  }
});
