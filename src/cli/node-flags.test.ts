import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kubeletFlagOptions, parseAllowedUnsafeSysctls } from './node-flags.js';

test('--allowed-unsafe-sysctls takes names and prefix* patterns, in dot form', () => {
  assert.deepEqual(parseAllowedUnsafeSysctls(undefined), { ok: true, list: undefined });
  assert.deepEqual(parseAllowedUnsafeSysctls('kernel.msg*, net.core.somaxconn,net/ipv4/conf/eth0.100/rp_filter'), {
    ok: true,
    list: ['kernel.msg*', 'net.core.somaxconn', 'net.ipv4.conf.eth0/100.rp_filter'],
  });
  const bad = parseAllowedUnsafeSysctls('kernel.shmmax,bad..name');
  assert.deepEqual(bad, { ok: false, problem: '--allowed-unsafe-sysctls: "bad..name" is neither a sysctl name nor a prefix* pattern' });
});

test('the kubelet flags become kubelet options, only those given; a bad one is a problem to report', () => {
  assert.deepEqual(kubeletFlagOptions({}), { ok: true, options: {} });
  assert.deepEqual(kubeletFlagOptions({ 'eviction-hard': '', 'allowed-unsafe-sysctls': 'kernel.msg*' }), { ok: true, options: { evictionHard: '', allowedUnsafeSysctls: ['kernel.msg*'] } });
  const bad = kubeletFlagOptions({ 'eviction-hard': 'memory.available<lots' });
  assert.equal(bad.ok, false);
  assert.match(bad.ok ? '' : bad.problem, /^--eviction-hard: /);
});
