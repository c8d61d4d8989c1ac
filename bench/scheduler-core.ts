// Scheduler core micro-benchmark, in the shape of kube-scheduler's scheduler_perf: 5,000 nodes,
// 1,000 pods already running, then 10,000 pods scheduled one after another through the pure
// core (the binder resolves at once, no API). Prints pods/s and per-pod latency next to the
// scheduler_perf references for SchedulingBasic, topology spreading and required anti-affinity.
//   node --import tsx bench/scheduler-core.ts            (NODES, INIT_PODS, PODS override sizes)
import type { Node, Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import { Scheduler } from '../src/scheduler/scheduler.js';

const NODES = Number(process.env['NODES'] ?? 5000);
const INIT_PODS = Number(process.env['INIT_PODS'] ?? 1000);
const PODS = Number(process.env['PODS'] ?? 10_000);
const ZONES = ['moon-1', 'moon-2', 'moon-3'];

const log = (line: string): void => console.log(`[bench:scheduler-core] ${line}`);

function node(i: number): Node {
  const name = `node-${i}`;
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': ZONES[i % ZONES.length] as string } },
    status: { allocatable: { cpu: '4', memory: '32Gi', pods: '110' } },
  };
}

function pod(name: string, extra: Partial<PodSpec> = {}, labels: Record<string, string> = {}): Pod {
  return {
    metadata: { name, namespace: 'sched-test', uid: name, labels },
    spec: { containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '500Mi' } } }], ...extra },
  };
}

interface Workload {
  name: string;
  /** scheduler_perf threshold for the closest test (pods/s), when there is one. */
  reference: string;
  make: (i: number) => Pod;
}

const spread = (i: number): Pod =>
  pod(
    `spread-${i}`,
    {
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { color: 'blue' } } },
      ],
    },
    { color: 'blue' },
  );

// Groups of replicas, each group at most one per node (10 groups × 1,000 fit 5,000 nodes).
const antiAffinity = (i: number): Pod => {
  const group = `g${i % 10}`;
  return pod(
    `anti-${i}`,
    {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { group } }, topologyKey: 'kubernetes.io/hostname' }],
        },
      },
    },
    { group },
  );
};

const workloads: Workload[] = [
  { name: 'SchedulingBasic', reference: 'CI threshold 270 pods/s; "1000+ locally, 300+ in CI"', make: (i) => pod(`basic-${i}`) },
  { name: 'TopologySpreading (zone, DoNotSchedule)', reference: 'CI threshold 85 pods/s', make: spread },
  { name: 'RequiredPodAntiAffinity (hostname)', reference: 'no published threshold at 5,000 nodes', make: antiAffinity },
];

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function run(w: Workload): Promise<void> {
  const scheduler = new Scheduler({ binder: async () => {} });
  for (let i = 0; i < NODES; i++) scheduler.addNode(node(i));
  for (let i = 0; i < INIT_PODS; i++) {
    const p = w.make(-1 - i);
    p.spec = { containers: [], ...p.spec, nodeName: `node-${(i * 7) % NODES}` };
    scheduler.addPod(p);
  }
  for (let i = 0; i < PODS; i++) scheduler.addPod(w.make(i));
  const latencies: number[] = [];
  let scheduled = 0;
  const started = performance.now();
  for (;;) {
    const t0 = performance.now();
    const r = await scheduler.scheduleOne();
    if (!r) break;
    latencies.push(performance.now() - t0);
    if (r.kind === 'scheduled') {
      scheduled++;
      // What the informer would report once the binding is written.
      scheduler.updatePod(r.pod, { ...r.pod, spec: { containers: [], ...r.pod.spec, nodeName: r.nodeName } });
    }
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  log(`${w.name}: ${NODES} nodes, ${INIT_PODS} running, ${PODS} pods → ${scheduled} scheduled`);
  log(
    `  ${(scheduled / seconds).toFixed(0)} pods/s  p50 ${percentile(latencies, 50).toFixed(2)} ms  p99 ${percentile(latencies, 99).toFixed(2)} ms  (${seconds.toFixed(1)} s)   kube-scheduler: ${w.reference}`,
  );
}

const only = process.argv[2];
for (const w of workloads) if (!only || w.name.toLowerCase().includes(only.toLowerCase())) await run(w);
