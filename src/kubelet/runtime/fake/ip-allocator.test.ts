import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IpAllocator } from './ip-allocator.js';

test('hands out host addresses, skipping network, gateway and broadcast, and reuses released ones', () => {
  const a = new IpAllocator('10.1.2.0/29');
  const got = [a.allocate(), a.allocate(), a.allocate(), a.allocate(), a.allocate()];
  assert.deepEqual(got, ['10.1.2.2', '10.1.2.3', '10.1.2.4', '10.1.2.5', '10.1.2.6']);
  assert.throws(() => a.allocate(), /exhausted/);
  a.release('10.1.2.4');
  assert.equal(a.allocate(), '10.1.2.4');
});

test('rejects malformed CIDRs', () => {
  assert.throws(() => new IpAllocator('10.0.0.0'), /invalid pod CIDR/);
  assert.throws(() => new IpAllocator('300.0.0.0/24'), /invalid pod CIDR/);
});
