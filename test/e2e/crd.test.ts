// CustomResourceDefinitions with the real kubectl 1.33 (and a 1.27 smoke run): a CRD is
// established, its custom resources are served (apply, get by short name, patch, watch, scale,
// table columns, schema errors), and deleting the CRD removes them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KUBECTL_DIR, startCluster, type KubectlResult, type TestCluster } from './cluster.js';

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names: {plural: crontabs, singular: crontab, kind: CronTab, shortNames: [ct], categories: [all]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
    additionalPrinterColumns:
    - {name: Spec, type: string, jsonPath: .spec.cronSpec}
    - {name: Replicas, type: integer, jsonPath: .spec.replicas}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [cronSpec]
            properties:
              cronSpec: {type: string}
              image: {type: string}
              replicas: {type: integer, minimum: 0, maximum: 10, default: 1}
          status:
            type: object
            properties:
              replicas: {type: integer}
`;

const CR = `apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: my-cron
spec:
  cronSpec: "* * * * */5"
  image: my-image
`;

function ok(r: KubectlResult, what: string): string {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

describe('custom resources with kubectl', () => {
  let c: TestCluster;
  const k = (...args: string[]): KubectlResult => c.kubectl('1.33', args);
  const kIn = (input: string, ...args: string[]): KubectlResult => c.kubectl('1.33', args, { input });

  before(async () => {
    c = await startCluster({ datastore: 'memory', extraArgs: ['--disable', 'agent'] });
  });
  after(async () => {
    await c?.stop();
  });

  test('apply a CRD and wait for it to be established', () => {
    assert.match(ok(kIn(CRD, 'apply', '-f', '-'), 'apply crd'), /customresourcedefinition.apiextensions.k8s.io\/crontabs.stable.example.com created/);
    ok(k('wait', '--for', 'condition=established', '--timeout=20s', 'crd/crontabs.stable.example.com'), 'wait established');
    assert.match(ok(k('api-resources', '--api-group', 'stable.example.com'), 'api-resources'), /^crontabs\s+ct\s+stable.example.com\/v1\s+true\s+CronTab$/m);
  });

  test('apply a custom resource twice, get it by short name and in `get all`', () => {
    assert.match(ok(kIn(CR, 'apply', '-f', '-'), 'apply cr'), /crontab.stable.example.com\/my-cron created/);
    assert.match(ok(kIn(CR, 'apply', '-f', '-'), 'apply cr again'), /crontab.stable.example.com\/my-cron unchanged/);
    const yaml = ok(k('get', 'ct', 'my-cron', '-o', 'yaml'), 'get -o yaml');
    assert.match(yaml, /^apiVersion: stable.example.com\/v1$/m);
    assert.match(yaml, /^ {2}replicas: 1$/m, 'schema default applied');
    // With additionalPrinterColumns, the table is NAME and those columns (no AGE), as in Kubernetes.
    assert.match(ok(k('get', 'crontabs'), 'get crontabs'), /^NAME\s+SPEC\s+REPLICAS\nmy-cron\s+\* \* \* \* \*\/5\s+1$/m);
    assert.match(ok(k('get', 'all'), 'get all'), /crontab.stable.example.com\/my-cron/);
  });

  test('schema errors and unknown fields are refused', () => {
    const unknown = kIn(CR.replace('image: my-image', 'image: my-image\n  bogus: 1'), 'apply', '-f', '-');
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /strict decoding error: unknown field "spec.bogus"/);
    const invalid = kIn(CR.replace('my-cron', 'too-many').replace('image: my-image', 'replicas: 11'), 'apply', '-f', '-');
    assert.notEqual(invalid.code, 0);
    assert.match(invalid.stderr, /spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10/);
  });

  test('patch, scale and watch', async () => {
    const watcher = spawn(join(KUBECTL_DIR, 'kubectl.1.33'), ['--kubeconfig', c.kubeconfig, 'get', 'crontabs', '-w', '--output-watch-events', '--request-timeout=0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = '';
    watcher.stdout.on('data', (d: Buffer) => (seen += d.toString()));
    try {
      await until(() => /my-cron/.test(seen), 'the watch lists my-cron');
      assert.match(ok(k('patch', 'ct', 'my-cron', '--type', 'merge', '-p', '{"spec":{"image":"patched"}}'), 'patch'), /patched/);
      assert.match(ok(k('scale', 'ct', 'my-cron', '--replicas=3'), 'scale'), /scaled/);
      assert.equal(ok(k('get', 'ct', 'my-cron', '-o', 'jsonpath={.spec.image} {.spec.replicas}'), 'get'), 'patched 3');
      await until(() => /MODIFIED\s+my-cron\s+\S+ \S+ \S+ \S+ \S+\s+3/.test(seen), 'the watch shows the scaled object');
      const strategic = k('patch', 'ct', 'my-cron', '-p', '{"spec":{"image":"x"}}');
      assert.notEqual(strategic.code, 0);
      assert.match(strategic.stderr, /strategic-merge-patch\+json is not supported/);
    } finally {
      watcher.kill();
    }
  });

  test('kubectl 1.27 serves the same resources', () => {
    const k27 = (...args: string[]): KubectlResult => c.kubectl('1.27', args);
    assert.match(ok(k27('get', 'ct'), 'get ct with 1.27'), /my-cron/);
    assert.match(ok(k27('scale', 'ct', 'my-cron', '--replicas=2'), 'scale with 1.27'), /scaled/);
    // kubectl sends a merge patch: the OpenAPI documents offer no strategic merge for custom resources.
    assert.match(ok(c.kubectl('1.27', ['apply', '-f', '-'], { input: CR.replace('my-image', 'other') }), 'apply with 1.27'), /configured/);
    assert.match(ok(kIn(CR.replace('my-image', 'third'), 'apply', '-f', '-'), 'apply with 1.33'), /configured/);
  });

  test('delete the custom resource, then the CRD with its remaining resources', async () => {
    ok(kIn(CR.replace('my-cron', 'second'), 'apply', '-f', '-'), 'apply second');
    assert.match(ok(k('delete', 'ct', 'my-cron'), 'delete cr'), /deleted/);
    assert.match(ok(k('delete', 'crd', 'crontabs.stable.example.com', '--timeout=30s'), 'delete crd'), /deleted/);
    assert.equal((await c.api('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.stable.example.com')).status, 404);
    assert.equal((await c.api('GET', '/apis/stable.example.com/v1/crontabs')).status, 404);
  });
});

async function until(check: () => boolean, what: string, deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
