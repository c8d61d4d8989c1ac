import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAllowedUnsafeSysctls } from './node-flags.js';

test('--allowed-unsafe-sysctls takes names and prefix* patterns, in dot form', () => {
  assert.deepEqual(parseAllowedUnsafeSysctls(undefined), { ok: true, list: undefined });
  assert.deepEqual(parseAllowedUnsafeSysctls('kernel.msg*, net.core.somaxconn,net/ipv4/conf/eth0.100/rp_filter'), {
    ok: true,
    list: ['kernel.msg*', 'net.core.somaxconn', 'net.ipv4.conf.eth0/100.rp_filter'],
  });
  const bad = parseAllowedUnsafeSysctls('kernel.shmmax,bad..name');
  assert.deepEqual(bad, { ok: false, problem: '--allowed-unsafe-sysctls: "bad..name" is neither a sysctl name nor a prefix* pattern' });
});
