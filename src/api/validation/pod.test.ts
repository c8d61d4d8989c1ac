import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { applyDefaults, validate } from '../strategy.js';
import { resource, where } from './testing.js';

const pods = resource('', 'Pod', { namespaced: true });

function pod(spec: Partial<NonNullable<Pod['spec']>>, name = 'web'): KubeObject {
  const p: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], ...spec },
  };
  applyDefaults(pods, p);
  return p;
}

function check(p: KubeObject, old?: KubeObject): string[] {
  return where(validate(pods, p, old));
}

test('a minimal defaulted pod is valid', () => {
  assert.deepEqual(check(pod({})), []);
});

test('pod metadata: name required, name format, namespace required', () => {
  const p = pod({});
  p.metadata = { namespace: 'default' };
  assert.deepEqual(check(p), ['metadata.name FieldValueRequired']);
  assert.equal(validate(pods, p)[0]?.detail, 'name or generateName is required');
  assert.deepEqual(check(pod({}, 'Web_1')), ['metadata.name FieldValueInvalid']);
  const noNs = pod({});
  noNs.metadata = { name: 'x' };
  assert.deepEqual(check(noNs), ['metadata.namespace FieldValueRequired']);
});

test('the message for a bad pod name is Kubernetes text', () => {
  const errs = validate(pods, pod({}, 'Web'));
  assert.equal(
    ApiError.invalid('Pod', 'Web', errs).message,
    `Pod "Web" is invalid: metadata.name: Invalid value: "Web": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
  );
});

test('labels and annotations', () => {
  const p = pod({});
  p.metadata = { ...p.metadata, labels: { 'bad key!': 'v', ok: '-bad-' }, annotations: { big: 'x'.repeat(256 * 1024) } };
  assert.deepEqual(check(p), [
    'metadata.labels FieldValueInvalid',
    'metadata.labels[ok] FieldValueInvalid',
    'metadata.annotations FieldValueTooLong',
  ]);
  assert.equal(
    ApiError.invalid('Pod', 'web', validate(pods, p).slice(2)).message,
    'Pod "web" is invalid: metadata.annotations: Too long: must have at most 262144 bytes',
  );
});

test('containers are required', () => {
  const errs = validate(pods, pod({ containers: [] }));
  assert.deepEqual(where(errs), ['spec.containers FieldValueRequired']);
  assert.equal(ApiError.invalid('Pod', 'web', errs).message, 'Pod "web" is invalid: spec.containers: Required value');
});

test('container name: required, DNS label, unique across init and regular containers', () => {
  assert.deepEqual(check(pod({ containers: [{ name: '', image: 'x' }] })), ['spec.containers[0].name FieldValueRequired']);
  assert.deepEqual(check(pod({ containers: [{ name: 'App', image: 'x' }] })), ['spec.containers[0].name FieldValueInvalid']);
  const dup = validate(pods, pod({ initContainers: [{ name: 'app', image: 'x' }] }));
  assert.deepEqual(where(dup), ['spec.initContainers[0].name FieldValueDuplicate']);
  assert.equal(ApiError.invalid('Pod', 'web', dup).message, 'Pod "web" is invalid: spec.initContainers[0].name: Duplicate value: "app"');
});

test('image is required', () => {
  const errs = validate(pods, pod({ containers: [{ name: 'app' }] }));
  assert.deepEqual(where(errs), ['spec.containers[0].image FieldValueRequired']);
  assert.equal(ApiError.invalid('Pod', 'web', errs).message, 'Pod "web" is invalid: spec.containers[0].image: Required value');
});

test('ports: range, names, duplicates, protocol enum', () => {
  const errs = validate(
    pods,
    pod({
      containers: [
        {
          name: 'app',
          image: 'x',
          ports: [
            { containerPort: 70000, name: 'http' },
            { containerPort: 80, name: 'http' },
            { containerPort: 81, name: 'BAD' },
            { containerPort: 82, protocol: 'ICMP' },
          ],
        },
      ],
    }),
  );
  assert.deepEqual(where(errs), [
    'spec.containers[0].ports[0].containerPort FieldValueInvalid',
    'spec.containers[0].ports[1].name FieldValueDuplicate',
    // "BAD" breaks two rules: the character set, and at least one lower-case letter.
    'spec.containers[0].ports[2].name FieldValueInvalid',
    'spec.containers[0].ports[2].name FieldValueInvalid',
    'spec.containers[0].ports[3].protocol FieldValueNotSupported',
  ]);
  assert.equal(
    ApiError.invalid('Pod', 'web', [errs[0]!]).message,
    'Pod "web" is invalid: spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
  );
  assert.equal(
    ApiError.invalid('Pod', 'web', [errs[4]!]).message,
    'Pod "web" is invalid: spec.containers[0].ports[3].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
  );
});

test('env: names and valueFrom', () => {
  const errs = check(
    pod({
      containers: [
        {
          name: 'app',
          image: 'x',
          env: [
            { name: '' },
            { name: 'A=B', value: 'v' },
            { name: 'OK', value: 'v', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'REF', valueFrom: { secretKeyRef: { name: 's', key: 'k' }, configMapKeyRef: { name: 'c', key: 'k' } } },
          ],
        },
      ],
    }),
  );
  assert.deepEqual(errs, [
    'spec.containers[0].env[0].name FieldValueRequired',
    'spec.containers[0].env[1].name FieldValueInvalid',
    'spec.containers[0].env[2].valueFrom FieldValueInvalid',
    'spec.containers[0].env[3].valueFrom FieldValueInvalid',
  ]);
});

test('volumes: unique names, one source, mounts must refer to volumes', () => {
  const errs = validate(
    pods,
    pod({
      volumes: [
        { name: 'data', emptyDir: {} },
        { name: 'data', configMap: { name: 'c' } },
        { name: 'two', emptyDir: {}, hostPath: { path: '/x' } },
        { name: 'sec', secret: { secretName: 's', defaultMode: 1000 } },
      ],
      containers: [
        {
          name: 'app',
          image: 'x',
          volumeMounts: [
            { name: 'data', mountPath: '/data' },
            { name: 'missing', mountPath: '/m' },
            { name: 'data', mountPath: '/data' },
          ],
        },
      ],
    }),
  );
  assert.deepEqual(where(errs), [
    'spec.volumes[1].name FieldValueDuplicate',
    'spec.volumes[2].emptyDir FieldValueForbidden',
    'spec.volumes[3].secret.defaultMode FieldValueInvalid',
    'spec.containers[0].volumeMounts[1].name FieldValueNotFound',
    'spec.containers[0].volumeMounts[2].mountPath FieldValueInvalid',
  ]);
  assert.equal(
    ApiError.invalid('Pod', 'web', [errs[3]!]).message,
    'Pod "web" is invalid: spec.containers[0].volumeMounts[1].name: Not found: "missing"',
  );
});

test('resources: quantity syntax, requests above limits, unknown resource names', () => {
  const errs = validate(
    pods,
    pod({
      containers: [
        {
          name: 'app',
          image: 'x',
          resources: { limits: { cpu: '1', memory: 'lots' }, requests: { cpu: '1500m', gpu: '1' } },
        },
      ],
    }),
  );
  assert.deepEqual(where(errs), [
    'spec.containers[0].resources.limits[memory] FieldValueInvalid',
    // Pod defaulting copied the memory limit into the requests.
    'spec.containers[0].resources.requests[memory] FieldValueInvalid',
    'spec.containers[0].resources.requests[cpu] FieldValueInvalid',
    'spec.containers[0].resources.requests[gpu] FieldValueInvalid',
  ]);
  assert.equal(
    ApiError.invalid('Pod', 'web', [errs[2]!]).message,
    'Pod "web" is invalid: spec.containers[0].resources.requests[cpu]: Invalid value: "1500m": must be less than or equal to cpu limit of 1',
  );
  assert.equal(errs[3]?.detail, 'must be a standard resource for containers');
});

test('restartPolicy and dnsPolicy enums', () => {
  const errs = validate(pods, pod({ restartPolicy: 'Sometimes', dnsPolicy: 'Custom' }));
  assert.deepEqual(where(errs), ['spec.restartPolicy FieldValueNotSupported', 'spec.dnsPolicy FieldValueNotSupported']);
  assert.equal(
    ApiError.invalid('Pod', 'web', [errs[0]!]).message,
    'Pod "web" is invalid: spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
  );
});

test('probes need exactly one handler, and liveness successThreshold must be 1', () => {
  const errs = check(
    pod({
      containers: [
        {
          name: 'app',
          image: 'x',
          livenessProbe: { successThreshold: 2, exec: { command: ['true'] } },
          readinessProbe: {},
          startupProbe: { tcpSocket: { port: 80 }, httpGet: { port: 80, path: '/' } },
        },
      ],
    }),
  );
  assert.deepEqual(errs, [
    'spec.containers[0].livenessProbe.successThreshold FieldValueInvalid',
    'spec.containers[0].readinessProbe FieldValueRequired',
    'spec.containers[0].startupProbe.tcpSocket FieldValueForbidden',
  ]);
});

test('init containers without restartPolicy Always may not have probes', () => {
  const errs = check(pod({ initContainers: [{ name: 'init', image: 'x', readinessProbe: { exec: { command: ['true'] } } }] }));
  assert.deepEqual(errs, ['spec.initContainers[0].readinessProbe FieldValueForbidden']);
  const sidecar = check(
    pod({ initContainers: [{ name: 'init', image: 'x', restartPolicy: 'Always', readinessProbe: { exec: { command: ['true'] } } }] }),
  );
  assert.deepEqual(sidecar, []);
});

test('tolerations', () => {
  const errs = check(pod({ tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }, { operator: 'Equal', value: 'v' }, { key: 'k', tolerationSeconds: 5, effect: 'NoSchedule' }] }));
  assert.deepEqual(errs, [
    'spec.tolerations[0].operator FieldValueInvalid',
    'spec.tolerations[1].operator FieldValueInvalid',
    'spec.tolerations[2].effect FieldValueInvalid',
  ]);
});

test('pod update: image, activeDeadlineSeconds and added tolerations may change', () => {
  const old = pod({});
  const now = structuredClone(old);
  const spec = now.spec as NonNullable<Pod['spec']>;
  spec.containers[0]!.image = 'nginx:1.28';
  spec.activeDeadlineSeconds = 100;
  spec.tolerations = [...(spec.tolerations ?? []), { key: 'extra', operator: 'Exists' }];
  assert.deepEqual(check(now, old), []);
});

test('pod update: other spec changes are forbidden with the Kubernetes message', () => {
  const old = pod({});
  const now = structuredClone(old);
  (now.spec as NonNullable<Pod['spec']>).containers[0]!.ports = [{ containerPort: 80, protocol: 'TCP' }];
  const errs = validate(pods, now, old);
  assert.deepEqual(where(errs), ['spec FieldValueForbidden']);
  assert.equal(
    ApiError.invalid('Pod', 'web', errs).message,
    'Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
  );
});

test('pod update: removing a toleration or raising activeDeadlineSeconds is rejected', () => {
  const old = pod({ activeDeadlineSeconds: 50 });
  const now = structuredClone(old);
  const spec = now.spec as NonNullable<Pod['spec']>;
  spec.tolerations = [];
  spec.activeDeadlineSeconds = 60;
  assert.deepEqual(check(now, old), ['spec.activeDeadlineSeconds FieldValueInvalid', 'spec.tolerations FieldValueForbidden']);
});

test('pod update: name is immutable', () => {
  const old = pod({});
  const now = structuredClone(old);
  now.metadata = { ...now.metadata, name: 'other' };
  const errs = validate(pods, now, old);
  assert.deepEqual(where(errs), ['metadata.name FieldValueInvalid']);
  assert.equal(ApiError.invalid('Pod', 'other', errs).message, 'Pod "other" is invalid: metadata.name: Invalid value: "other": field is immutable');
});

test('a status write checks status, not the stored spec (ValidatePodStatusUpdate)', () => {
  // A stored spec that today's rules reject (as after a rule tightened) does not block status writes.
  const old = pod({ containers: [{ name: 'app', image: '' }] });
  const running: KubeObject = { ...old, status: { phase: 'Running' } };
  assert.ok(check(running, old).includes('spec.containers[0].image FieldValueRequired'));
  assert.deepEqual(where(validate(pods, running, old, { subresource: 'status' })), []);
  const nominated: KubeObject = { ...old, status: { nominatedNodeName: 'Not_A_Node' } };
  assert.deepEqual(where(validate(pods, nominated, old, { subresource: 'status' })), ['status.nominatedNodeName FieldValueInvalid']);
  // Metadata rules still hold for status writes.
  const renamed: KubeObject = { ...running, metadata: { ...old.metadata, name: 'other' } };
  assert.ok(where(validate(pods, renamed, old, { subresource: 'status' })).some((w) => w.startsWith('metadata.name ')));
});
