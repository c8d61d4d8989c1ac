import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { applyDefaults, validate } from '../strategy.js';
import { resource, where } from './testing.js';

const services = resource('', 'Service', { namespaced: true });

function svc(spec: Record<string, unknown>, name = 'web'): KubeObject {
  const s: KubeObject = { metadata: { name, namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }], ...spec } };
  applyDefaults(services, s);
  return s;
}

test('valid services pass', () => {
  assert.deepEqual(validate(services, svc({})), []);
  assert.deepEqual(validate(services, svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })), []);
  assert.deepEqual(validate(services, svc({ clusterIP: 'None', ports: [] })), []);
  assert.deepEqual(validate(services, svc({ type: 'ExternalName', externalName: 'example.com.', ports: [] })), []);
  assert.deepEqual(validate(services, svc({ clusterIP: '10.96.0.10' })), []);
});

test('service names are DNS-1035 labels', () => {
  const errs = validate(services, svc({}, '1web'));
  assert.deepEqual(where(errs), ['metadata.name FieldValueInvalid']);
  assert.equal(
    ApiError.invalid('Service', '1web', errs).message,
    `Service "1web" is invalid: metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
  );
});

test('ports are required unless headless or ExternalName', () => {
  const errs = validate(services, svc({ ports: [] }));
  assert.deepEqual(where(errs), ['spec.ports FieldValueRequired']);
  assert.equal(ApiError.invalid('Service', 'web', errs).message, 'Service "web" is invalid: spec.ports: Required value');
});

test('port names: required when several, unique; port range', () => {
  const errs = validate(services, svc({ ports: [{ port: 80 }, { name: 'a', port: 0 }, { name: 'a', port: 443 }] }));
  assert.deepEqual(where(errs), ['spec.ports[0].name FieldValueRequired', 'spec.ports[1].port FieldValueInvalid', 'spec.ports[2].name FieldValueDuplicate']);
  const dup = validate(services, svc({ ports: [{ name: 'a', port: 80 }, { name: 'b', port: 80 }] }));
  assert.deepEqual(where(dup), ['spec.ports[1] FieldValueDuplicate']);
  assert.equal(
    String(dup[0]?.value),
    'core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
  );
});

test('nodePort: forbidden for ClusterIP, must be in 30000-32767', () => {
  assert.deepEqual(where(validate(services, svc({ ports: [{ port: 80, nodePort: 30001 }] }))), ['spec.ports[0].nodePort FieldValueForbidden']);
  const errs = validate(services, svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] }));
  assert.deepEqual(where(errs), ['spec.ports[0].nodePort FieldValueInvalid']);
  assert.equal(
    ApiError.invalid('Service', 'web', errs).message,
    'Service "web" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
  );
});

test('type and protocol enums; clusterIP format', () => {
  const errs = validate(services, svc({ type: 'Magic', ports: [{ port: 80, protocol: 'HTTP' }] }));
  assert.deepEqual(where(errs), ['spec.ports[0].protocol FieldValueNotSupported', 'spec.type FieldValueNotSupported', 'spec.internalTrafficPolicy FieldValueRequired']);
  assert.equal(errs[1]?.detail, 'supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"');
  assert.deepEqual(where(validate(services, svc({ clusterIP: '10.0.0.300' }))), ['spec.clusterIPs[0] FieldValueInvalid']);
  assert.deepEqual(where(validate(services, svc({ type: 'ExternalName', ports: [] }))), ['spec.externalName FieldValueRequired']);
});

test('clusterIP is immutable except to or from ExternalName', () => {
  const old = svc({ clusterIP: '10.96.0.10' });
  const now = svc({ clusterIP: '10.96.0.11' });
  const errs = validate(services, now, old);
  assert.deepEqual(where(errs), ['spec.clusterIPs[0] FieldValueInvalid']);
  assert.equal(errs[0]?.detail, 'may not change once set');
  const ext = svc({ type: 'ExternalName', externalName: 'example.com', ports: [] });
  assert.deepEqual(validate(services, ext, old), []);
});
