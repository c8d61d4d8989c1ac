// Autoscaling on load, end to end: `k8ts server` on the process runtime with its bundled
// metrics-server, registered with the aggregator as v1beta1.metrics.k8s.io. A Deployment whose
// pod spins on CPU shows up in `kubectl top`, and `kubectl autoscale` scales it out.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, manifestFile, startCluster, type KubectlResult, type TestCluster } from './cluster.js';

const V = '1.33';

function ok(r: KubectlResult, what: string): string {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

describe('resource metrics and the HorizontalPodAutoscaler', { timeout: 180_000 }, () => {
  let c: TestCluster;
  const k = (...args: string[]): KubectlResult => c.kubectl(V, args);

  before(async () => {
    c = await startCluster({ extraArgs: ['--runtime', 'process', '--metric-resolution', '3'] });
  });
  after(async () => {
    // The pods are host processes: delete them through the node before the server stops.
    c?.kubectl(V, ['delete', 'deployment', 'spin', '--ignore-not-found', '--cascade=foreground', '--wait=true', '--timeout=60s']);
    await c?.stop();
  });

  test('the metrics API is aggregated, kubectl top shows a busy pod, and the HPA scales its Deployment out', async () => {
    const apiService = await eventually(() => {
      const r = k('get', 'apiservice', 'v1beta1.metrics.k8s.io', '-o', 'jsonpath={.status.conditions[?(@.type=="Available")].status}');
      return r.code === 0 && r.stdout === 'True' ? r.stdout : undefined;
    }, 'the metrics APIService to be available', 30_000);
    assert.equal(apiService, 'True');
    const deployment = manifestFile(
      c,
      'spin.yaml',
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: spin}
spec:
  replicas: 1
  selector: {matchLabels: {app: spin}}
  template:
    metadata: {labels: {app: spin}}
    spec:
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "while :; do :; done"]
        resources: {requests: {cpu: 10m}}
`,
    );
    ok(k('apply', '-f', deployment), 'apply deployment');
    const top = await eventually(() => {
      const r = k('top', 'pod', '-l', 'app=spin', '--no-headers');
      return r.code === 0 && /^spin-\S+\s+\d+m\s+\d+Mi/m.test(r.stdout) ? r.stdout : undefined;
    }, 'kubectl top to show the pod', 60_000);
    const milli = Number(/^spin-\S+\s+(\d+)m/m.exec(top)?.[1]);
    assert.ok(milli > 10, `a spinning pod uses more than its 10m request: ${top}`);

    ok(k('autoscale', 'deployment', 'spin', '--cpu-percent=50', '--min=1', '--max=2'), 'autoscale');
    await eventually(() => {
      const r = k('get', 'deployment', 'spin', '-o', 'jsonpath={.spec.replicas}');
      return r.code === 0 && r.stdout === '2' ? true : undefined;
    }, 'the HPA to scale the Deployment to 2', 90_000);
    const events = ok(k('get', 'events', '--field-selector', 'reason=SuccessfulRescale', '-o', 'jsonpath={.items[*].message}'), 'events');
    assert.match(events, /New size: 2; reason: cpu resource utilization \(percentage of request\) above target/);
    assert.match(ok(k('get', 'hpa', 'spin', '--no-headers'), 'get hpa'), /Deployment\/spin\s+cpu: \d+%\/50%/);
  });
});
