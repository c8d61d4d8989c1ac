import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { applyDefaults, validate } from '../strategy.js';
import { isValidSysctlName } from './sysctls.js';
import { resource, where } from './testing.js';

const pods = resource('', 'Pod', { namespaced: true });

function pod(spec: Partial<NonNullable<Pod['spec']>>): KubeObject {
  const p: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'busybox' }], ...spec } };
  applyDefaults(pods, p);
  return p;
}

test('sysctl names: dot- or slash-separated lowercase segments', () => {
  for (const ok of ['kernel.shmmax', 'net.ipv4.conf.eth0/100.rp_filter', 'net/ipv4/ip_local_port_range', 'a', 'safe-and-unsafe', 'a_b.c-d']) assert.ok(isValidSysctlName(ok), ok);
  for (const bad of ['foo-', 'bar..', '.a', 'A.b', 'a._b', '', 'x'.repeat(254)]) assert.ok(!isValidSysctlName(bad), bad);
});

test('the conformance sysctl pod is rejected for foo- and bar.. only', () => {
  const sysctls = ['foo-', 'kernel.shm_rmid_forced', 'bar..', 'kernel.shmmax', 'safe-and-unsafe'].map((name) => ({ name, value: '1' }));
  const errs = validate(pods, pod({ securityContext: { sysctls } }));
  assert.deepEqual(where(errs), ['spec.securityContext.sysctls[0].name FieldValueInvalid', 'spec.securityContext.sysctls[2].name FieldValueInvalid']);
  const message = ApiError.invalid('Pod', 'web', errs).message;
  assert.match(message, /Invalid value: "foo-": must have at most 253 characters and match regex \^\(\[a-z0-9\]/);
  assert.match(message, /Invalid value: "bar\.\."/);
  assert.doesNotMatch(message, /safe-and-unsafe|kernel\.shmmax/);
});

test('duplicate sysctls, and net.* with hostNetwork, are invalid', () => {
  const dup = validate(pods, pod({ securityContext: { sysctls: [{ name: 'kernel.shmmax', value: '1' }, { name: 'kernel.shmmax', value: '2' }] } }));
  assert.deepEqual(where(dup), ['spec.securityContext.sysctls[1].name FieldValueDuplicate']);
  const host = validate(pods, pod({ hostNetwork: true, securityContext: { sysctls: [{ name: 'net.ipv4.tcp_syncookies', value: '1' }, { name: 'kernel.shm_rmid_forced', value: '1' }] } }));
  assert.deepEqual(where(host), ['spec.securityContext.sysctls[0].name FieldValueInvalid']);
  assert.equal(host[0]?.detail, "may not be specified when 'hostNetwork' is true");
});
