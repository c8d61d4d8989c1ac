import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstServiceIp, inRange, parsePortRange, parseServiceCidr, staticBandSize } from './ranges.js';

test('a service CIDR excludes its network and broadcast addresses', () => {
  const r = parseServiceCidr('10.43.7.9/16');
  assert.equal(r.cidr, '10.43.0.0/16');
  assert.equal(firstServiceIp(r), '10.43.0.1');
  assert.ok(inRange(r, '10.43.255.254'));
  assert.ok(!inRange(r, '10.43.255.255'));
  assert.ok(!inRange(r, '10.43.0.0'));
  assert.ok(!inRange(r, 'fd00::1'));
  assert.equal(staticBandSize(r), 256);
  assert.equal(staticBandSize(parseServiceCidr('10.0.0.0/27')), 16);
});

test('malformed ranges are refused with the expected shape in the message', () => {
  assert.throws(() => parseServiceCidr('10.43.0.0'), /want an IPv4 CIDR/);
  assert.throws(() => parseServiceCidr('fd00::/108'), /want an IPv4 CIDR/);
  assert.throws(() => parsePortRange('32767-30000'), /want "min-max"/);
  assert.deepEqual(parsePortRange(' 30000-32767 '), { min: 30000, max: 32767, text: '30000-32767' });
});
