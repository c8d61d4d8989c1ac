// API server CPU per write, without HTTP: the registry and watch cache of one process on
// MemoryStorage, with one watcher building every event's wire line, driving a pod's writes as
// the controllers, scheduler and kubelet benchmarks do (create by a controller, binding by the
// scheduler, status patch by the kubelet). Prints the lowest CPU time per pod of several rounds
// (the first round warms up): on a shared machine the minimum is the steadiest figure.
//   node --import tsx bench/apiserver-writes.ts        (PODS per round, ROUNDS override)
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../src/api/object.js';
import { findResource, type ResourceInfo } from '../src/api/resources.js';
import { Registries } from '../src/apiserver/registry/registries.js';
import type { WriteContext } from '../src/apiserver/registry/types.js';
import { MemoryStorage } from '../src/storage/memory/memory.js';
import { jsonEncoder } from '../src/apiserver/watch/stream.js';

const PODS = Number(process.env['PODS'] ?? 2000);
const ROUNDS = Number(process.env['ROUNDS'] ?? 6);
const BATCH = 50;

function resource(plural: string): ResourceInfo {
  const r = findResource('', 'v1', plural);
  if (!r) throw new Error(`no ${plural}`);
  return r;
}

function writer(manager: string): WriteContext {
  return { user: { username: 'bench', groups: ['system:masters'] }, dryRun: false, fieldManager: manager, warnings: [] };
}

function podName(i: number): string {
  return `app-${i % 300}-5d8f9c-${i}`;
}

function pod(i: number): Pod & KubeObject {
  const rs = `app-${i % 300}-5d8f9c`;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: podName(i),
      namespace: 'default',
      labels: { app: `app-${i % 300}`, 'pod-template-hash': '5d8f9c' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, uid: `uid-${i % 300}`, controller: true, blockOwnerDeletion: true }],
    },
    spec: { containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '500Mi' } } }] },
  };
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Runs `op` for each index in batches (as concurrent clients would), letting watch events flow between batches. */
async function perPod(from: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const t = cpuMs();
  for (let i = from; i < from + PODS; i += BATCH) {
    await Promise.all(Array.from({ length: BATCH }, (_, k) => op(i + k)));
    await new Promise((r) => setImmediate(r));
  }
  return (cpuMs() - t) / PODS;
}

const storage = new MemoryStorage();
const registries = new Registries({ storage });
const pods = registries.for(resource('pods'));
await registries.for(resource('namespaces')).create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }, writer('bench'));
const cache = registries.cache(resource('pods'));
await cache.ready();
let wireBytes = 0;
cache.subscribe(
  { onEvent: (ev) => void (wireBytes += jsonEncoder.line(ev.type, ev.object, undefined).length), onReset: () => undefined },
  { kind: 'state' },
  () => undefined,
);

const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const status = {
  phase: 'Running',
  podIP: '10.42.0.7',
  startTime: now,
  conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({ type, status: 'True', lastTransitionTime: now })),
  containerStatuses: [{ name: 'pause', ready: true, restartCount: 0, image: 'registry.k8s.io/pause:3.10', imageID: '', started: true, state: { running: { startedAt: now } } }],
};
const best = { create: Infinity, bind: Infinity, status: Infinity };
for (let round = 0; round < ROUNDS; round++) {
  const from = round * PODS;
  const create = await perPod(from, (i) => pods.create('default', pod(i), writer('kube-controller-manager'), { bodyOwned: true }));
  const bind = await perPod(from, (i) =>
    pods.mutate('default', podName(i), writer('kube-scheduler'), (cur) => ({ ...cur, spec: { ...(cur['spec'] as object), nodeName: 'node-1' } }), { subresource: 'internal' }),
  );
  const patch = await perPod(from, (i) => pods.patch('default', podName(i), { type: 'merge', body: { status }, force: false }, writer('kubelet'), { subresource: 'status' }));
  if (round === 0) continue;
  best.create = Math.min(best.create, create);
  best.bind = Math.min(best.bind, bind);
  best.status = Math.min(best.status, patch);
}
const total = best.create + best.bind + best.status;
console.log(
  `[bench:apiserver-writes] CPU per pod (lowest of ${ROUNDS - 1} rounds of ${PODS}): create ${best.create.toFixed(3)} ms, ` +
    `binding ${best.bind.toFixed(3)} ms, status patch ${best.status.toFixed(3)} ms = ${total.toFixed(3)} ms (${(1000 / total).toFixed(0)} pods/s of one core; ${(wireBytes / 1e6).toFixed(0)} MB of watch lines)`,
);
registries.close();
await storage.close();
