import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RESOURCES,
  compareVersions,
  findResource,
  findResourceByKind,
  groupResource,
  groupVersions,
  resourcesAt,
  storageKey,
  storagePrefix,
} from './resources.js';

function mustFind(group: string, version: string, plural: string) {
  const r = findResource(group, version, plural);
  assert.ok(r, `${group}/${version}/${plural} is served`);
  return r;
}

test('findResource finds core and grouped resources by path', () => {
  assert.equal(mustFind('', 'v1', 'pods').kind, 'Pod');
  assert.equal(mustFind('apps', 'v1', 'deployments').kind, 'Deployment');
  assert.equal(findResource('apps', 'v1beta1', 'deployments'), undefined);
  assert.equal(findResource('', 'v1', 'deployments'), undefined);
  assert.equal(findResource('', 'v1', 'po'), undefined, 'short names are a client-side concept');
});

test('horizontalpodautoscalers are served at autoscaling v2 and v1, stored once', () => {
  const v2 = mustFind('autoscaling', 'v2', 'horizontalpodautoscalers');
  const v1 = mustFind('autoscaling', 'v1', 'horizontalpodautoscalers');
  assert.equal(v1, v2);
  assert.equal(v2.version, 'v2');
  assert.equal(findResourceByKind({ group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler' }), v2);
  assert.ok(resourcesAt('autoscaling', 'v1').includes(v2));
});

test('findResourceByKind keeps core and events.k8s.io Events apart', () => {
  assert.equal(findResourceByKind({ group: '', version: 'v1', kind: 'Event' })?.group, '');
  assert.equal(findResourceByKind({ group: 'events.k8s.io', version: 'v1', kind: 'Event' })?.group, 'events.k8s.io');
  assert.equal(findResourceByKind({ group: 'apps', version: 'v1', kind: 'Pod' }), undefined);
});

test('spot check against Kubernetes 1.33 discovery', () => {
  const pods = mustFind('', 'v1', 'pods');
  assert.deepEqual(pods.shortNames, ['po']);
  assert.deepEqual(pods.categories, ['all']);
  assert.equal(pods.singular, 'pod');
  assert.equal(pods.listKind, 'PodList');
  assert.deepEqual(pods.verbs, ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
  assert.deepEqual(
    pods.subresources.map((s) => s.name),
    ['attach', 'binding', 'ephemeralcontainers', 'eviction', 'exec', 'log', 'portforward', 'proxy', 'resize', 'status'],
  );
  const eviction = pods.subresources.find((s) => s.name === 'eviction');
  assert.deepEqual(eviction?.kind, { group: 'policy', version: 'v1', kind: 'Eviction' });
  assert.deepEqual(pods.subresources.find((s) => s.name === 'log')?.verbs, ['get']);

  const ns = mustFind('', 'v1', 'namespaces');
  assert.equal(ns.namespaced, false);
  assert.ok(!ns.verbs.includes('deletecollection'));
  assert.deepEqual(ns.subresources.map((s) => s.name), ['finalize', 'status']);

  const deploy = mustFind('apps', 'v1', 'deployments');
  assert.deepEqual(deploy.shortNames, ['deploy']);
  assert.deepEqual(deploy.subresources.find((s) => s.name === 'scale')?.kind, {
    group: 'autoscaling',
    version: 'v1',
    kind: 'Scale',
  });

  const sa = mustFind('', 'v1', 'serviceaccounts');
  assert.deepEqual(sa.subresources.find((s) => s.name === 'token')?.kind, {
    group: 'authentication.k8s.io',
    version: 'v1',
    kind: 'TokenRequest',
  });

  assert.deepEqual(mustFind('apiextensions.k8s.io', 'v1', 'customresourcedefinitions').shortNames, ['crd', 'crds']);
  assert.deepEqual(mustFind('', 'v1', 'resourcequotas').shortNames, ['quota']);
  assert.deepEqual(mustFind('', 'v1', 'limitranges').shortNames, ['limits']);
  assert.deepEqual(mustFind('', 'v1', 'componentstatuses').verbs, ['get', 'list']);
  assert.deepEqual(mustFind('', 'v1', 'bindings').verbs, ['create']);
  assert.equal(mustFind('authorization.k8s.io', 'v1', 'localsubjectaccessreviews').namespaced, true);
  assert.equal(mustFind('authorization.k8s.io', 'v1', 'selfsubjectaccessreviews').virtual, true);
  assert.equal(mustFind('', 'v1', 'endpoints').singular, 'endpoints');
  assert.deepEqual(
    mustFind('certificates.k8s.io', 'v1', 'certificatesigningrequests').subresources.map((s) => s.name),
    ['approval', 'status'],
  );
});

test('short names are unique within the table, except Event which two groups serve', () => {
  const seen = new Map<string, string>();
  for (const r of RESOURCES) {
    for (const s of r.shortNames) {
      if (s === 'ev') continue;
      assert.ok(!seen.has(s), `short name ${s} used by ${seen.get(s)} and ${r.plural}`);
      seen.set(s, r.plural);
    }
  }
  for (const s of ['po', 'svc', 'deploy', 'rs', 'sts', 'ds', 'cj', 'ns', 'no', 'cm', 'sa', 'pv', 'pvc', 'rc', 'ing', 'netpol', 'ep', 'hpa', 'pdb', 'pc', 'sc', 'csr']) {
    assert.ok(seen.has(s), `short name ${s} exists`);
  }
});

test('category all holds exactly the workloads kubectl get all shows', () => {
  const all = RESOURCES.filter((r) => r.categories.includes('all')).map(groupResource).sort();
  assert.deepEqual(all, [
    'cronjobs.batch',
    'daemonsets.apps',
    'deployments.apps',
    'horizontalpodautoscalers.autoscaling',
    'jobs.batch',
    'pods',
    'replicasets.apps',
    'replicationcontrollers',
    'services',
    'statefulsets.apps',
  ]);
});

test('every subresource verb list and every resource has a non-empty verb set', () => {
  for (const r of RESOURCES) {
    assert.ok(r.verbs.length > 0, r.plural);
    for (const s of r.subresources) assert.ok(s.verbs.length > 0, `${r.plural}/${s.name}`);
  }
});

test('storage keys and prefixes', () => {
  const pods = mustFind('', 'v1', 'pods');
  const deploy = mustFind('apps', 'v1', 'deployments');
  const nodes = mustFind('', 'v1', 'nodes');
  assert.equal(storageKey(pods, 'default', 'web'), '/registry/core/pods/default/web');
  assert.equal(storageKey(deploy, 'kube-system', 'dns'), '/registry/apps/deployments/kube-system/dns');
  assert.equal(storageKey(nodes, '', 'n1'), '/registry/core/nodes/n1');
  assert.equal(storageKey(nodes, 'ignored', 'n1'), '/registry/core/nodes/n1');
  assert.equal(storagePrefix(pods), '/registry/core/pods/');
  assert.equal(storagePrefix(pods, 'default'), '/registry/core/pods/default/');
  assert.equal(storagePrefix(nodes, 'default'), '/registry/core/nodes/');
  assert.ok(storageKey(pods, 'default', 'web').startsWith(storagePrefix(pods, 'default')));
  assert.ok(!storageKey(pods, 'default2', 'web').startsWith(storagePrefix(pods, 'default')));
});

test('groupVersions lists core first, in /apis order, preferred version first', () => {
  const groups = groupVersions();
  assert.deepEqual(groups[0], { group: '', versions: ['v1'], preferredVersion: 'v1' });
  // As kube-apiserver lists them: the aggregator's own group (priority 18000) before apps.
  assert.equal(groups[1]?.group, 'apiregistration.k8s.io');
  assert.equal(groups[2]?.group, 'apps');
  const autoscaling = groups.find((g) => g.group === 'autoscaling');
  assert.deepEqual(autoscaling, { group: 'autoscaling', versions: ['v2', 'v1'], preferredVersion: 'v2' });
  const names = groups.map((g) => g.group);
  assert.equal(new Set(names).size, names.length);
  assert.ok(names.indexOf('admissionregistration.k8s.io') < names.indexOf('apiextensions.k8s.io'));
  assert.ok(names.indexOf('apiextensions.k8s.io') < names.indexOf('scheduling.k8s.io'));
});

test('resourcesAt lists a group version in discovery order', () => {
  assert.deepEqual(
    resourcesAt('apps', 'v1').map((r) => r.plural),
    ['controllerrevisions', 'daemonsets', 'deployments', 'replicasets', 'statefulsets'],
  );
  assert.deepEqual(resourcesAt('nope', 'v1'), []);
});

test('compareVersions orders as Kubernetes version priority does', () => {
  const sorted = ['v1alpha1', 'v1beta1', 'v2', 'foo', 'v1', 'v1beta2', 'v11alpha2'].sort(compareVersions);
  assert.deepEqual(sorted, ['v2', 'v1', 'v1beta2', 'v1beta1', 'v11alpha2', 'v1alpha1', 'foo']);
});
