import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors.js';
import { findResource, type ResourceInfo } from '../resources.js';
import { EVERYTHING_FIELDS, escapeFieldValue, parseFieldSelector, selectableFields } from './fields.js';

function res(group: string, version: string, plural: string): ResourceInfo {
  const r = findResource(group, version, plural);
  assert.ok(r);
  return r;
}
const pods = res('', 'v1', 'pods');
const nodes = res('', 'v1', 'nodes');
const events = res('', 'v1', 'events');
const deployments = res('apps', 'v1', 'deployments');

function badRequest(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.reason, 'BadRequest');
    assert.equal(e.message, message);
    return true;
  });
}

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'default' },
  spec: { nodeName: 'node-a', restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccountName: 'default' },
  status: { phase: 'Running', podIP: '10.0.0.5', podIPs: [{ ip: '10.0.0.5' }] },
};

test('pod fields: every supported label is selectable', () => {
  assert.deepEqual(selectableFields(pods, pod), {
    'metadata.name': 'web-1',
    'metadata.namespace': 'default',
    'spec.nodeName': 'node-a',
    'spec.restartPolicy': 'Always',
    'spec.schedulerName': 'default-scheduler',
    'spec.serviceAccountName': 'default',
    'spec.hostNetwork': 'false',
    'status.phase': 'Running',
    'status.podIP': '10.0.0.5',
    'status.nominatedNodeName': '',
  });
});

test('equality, inequality and AND', () => {
  const fields = selectableFields(pods, pod);
  assert.ok(parseFieldSelector('spec.nodeName=node-a', pods).matches(fields));
  assert.ok(parseFieldSelector('spec.nodeName==node-a', pods).matches(fields));
  assert.ok(!parseFieldSelector('spec.nodeName!=node-a', pods).matches(fields));
  assert.ok(parseFieldSelector('status.phase!=Failed,status.phase!=Succeeded', pods).matches(fields));
  assert.ok(!parseFieldSelector('status.phase=Running,spec.nodeName=other', pods).matches(fields));
  assert.ok(parseFieldSelector('status.nominatedNodeName=', pods).matches(fields), 'empty value matches a missing field');
  assert.ok(parseFieldSelector('', pods).empty);
  assert.ok(EVERYTHING_FIELDS.matches({}));
});

test('canonical string: terms sorted, == written as =, values escaped', () => {
  const s = parseFieldSelector('status.phase!=Failed,metadata.name==a\\,b', pods);
  assert.equal(s.toString(), 'metadata.name=a\\,b,status.phase!=Failed');
  assert.equal(s.requiredName, 'a,b');
  assert.equal(escapeFieldValue('a=b\\c,d'), 'a\\=b\\\\c\\,d');
});

test('requiredName and requiredValue', () => {
  assert.equal(parseFieldSelector('metadata.name=web-1', pods).requiredName, 'web-1');
  assert.equal(parseFieldSelector('metadata.name!=web-1', pods).requiredName, undefined);
  assert.equal(parseFieldSelector('spec.nodeName=n1,status.phase!=Failed', pods).requiredValue('spec.nodeName'), 'n1');
});

test('spec.host is the old spelling of spec.nodeName', () => {
  const s = parseFieldSelector('spec.host=node-a', pods);
  assert.equal(s.toString(), 'spec.nodeName=node-a');
  assert.ok(s.matches(selectableFields(pods, pod)));
});

test('unsupported labels are refused as Kubernetes refuses them', () => {
  badRequest(() => parseFieldSelector('spec.foo=bar', pods), 'field label not supported: spec.foo');
  badRequest(() => parseFieldSelector('metadata.namespace=x', nodes), 'field label not supported: metadata.namespace');
  badRequest(
    () => parseFieldSelector('spec.replicas=1', deployments),
    '"spec.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"',
  );
  assert.ok(parseFieldSelector('metadata.name=a,metadata.namespace=b', deployments));
});

test('syntax errors', () => {
  badRequest(() => parseFieldSelector('metadata.name', pods), "invalid selector: 'metadata.name'; can't understand 'metadata.name'");
  badRequest(() => parseFieldSelector('metadata.name=a=b', pods), 'invalid field selector: unescaped character in value: 61');
  badRequest(() => parseFieldSelector('metadata.name=a\\b', pods), 'invalid field selector: invalid escape sequence: \\b');
});

test('events: describe looks up events by involved object', () => {
  const ev = {
    metadata: { name: 'web-1.17a', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default', uid: 'u-1' },
    reason: 'Scheduled',
    type: 'Normal',
    source: { component: 'default-scheduler' },
  };
  const s = parseFieldSelector('involvedObject.name=web-1,involvedObject.namespace=default,involvedObject.uid=u-1', events);
  assert.ok(s.matches(selectableFields(events, ev)));
  assert.equal(selectableFields(events, ev)['source'], 'default-scheduler');
  const modern = res('events.k8s.io', 'v1', 'events');
  const ev2 = { metadata: { name: 'x', namespace: 'default' }, regarding: { kind: 'Pod', name: 'web-1' }, reportingController: 'kubelet' };
  const fields = selectableFields(modern, ev2);
  assert.equal(fields['involvedObject.name'], 'web-1');
  assert.equal(fields['reportingComponent'], 'kubelet');
  assert.equal(fields['source'], 'kubelet');
});

test('other resources with their own field labels', () => {
  const secrets = res('', 'v1', 'secrets');
  assert.ok(parseFieldSelector('type=kubernetes.io/tls', secrets).matches(selectableFields(secrets, { type: 'kubernetes.io/tls' })));
  assert.equal(selectableFields(nodes, { metadata: { name: 'n' }, spec: { unschedulable: true } })['spec.unschedulable'], 'true');
  assert.equal(selectableFields(res('batch', 'v1', 'jobs'), { status: { succeeded: 2 } })['status.successful'], '2');
  assert.equal(selectableFields(res('apps', 'v1', 'replicasets'), {})['status.replicas'], '0');
  assert.equal(selectableFields(res('', 'v1', 'services'), { spec: { type: 'NodePort' } })['spec.type'], 'NodePort');
  const csr = res('certificates.k8s.io', 'v1', 'certificatesigningrequests');
  assert.ok(parseFieldSelector('spec.signerName=kubernetes.io/kubelet-serving', csr));
  assert.deepEqual(Object.keys(selectableFields(nodes, { metadata: { name: 'n' } })).sort(), ['metadata.name', 'spec.unschedulable']);
});
