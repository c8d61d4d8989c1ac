import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import { startControllerHarness } from '../testing.js';
import { CidrSet } from './cidr-set.js';
import { nodeIpamController } from './nodeipam.js';

const NODES = { group: '', version: 'v1', resource: 'nodes' };

async function eventually<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('CidrSet hands out blocks in order, skips taken ones, wraps, and runs out', () => {
  const set = new CidrSet('10.42.0.0/22', 24);
  assert.ok(set.occupy('10.42.1.0/24'));
  assert.equal(set.allocateNext(), '10.42.0.0/24');
  assert.equal(set.allocateNext(), '10.42.2.0/24');
  assert.equal(set.allocateNext(), '10.42.3.0/24');
  assert.equal(set.allocateNext(), undefined);
  set.release('10.42.0.0/24');
  assert.equal(set.allocateNext(), '10.42.0.0/24');
  assert.equal(set.occupy('10.43.0.0/24'), false);
  const v6 = new CidrSet('fd00:10:42::/48', 64);
  assert.equal(v6.allocateNext(), 'fd00:10:42::/64');
  assert.equal(v6.allocateNext(), 'fd00:10:42:1::/64');
});

test('every node gets its own block; a deleted node\'s block is given again', async () => {
  const h = await startControllerHarness();
  try {
    const nodes = h.client.resource<Node>(NODES);
    await nodes.create({ metadata: { name: 'existing' }, spec: { podCIDR: '10.42.0.0/24', podCIDRs: ['10.42.0.0/24'] } });
    h.start(nodeIpamController({ clusterCidr: '10.42.0.0/22' }));
    for (const n of ['a', 'b', 'c']) await nodes.create({ metadata: { name: n } });
    const cidrOf = async (n: string): Promise<string | undefined> => (await nodes.get(n)).spec?.podCIDR;
    const got = await eventually(async () => {
      const all = await Promise.all(['a', 'b', 'c'].map(cidrOf));
      return all.every((c) => c !== undefined) ? all : undefined;
    }, 'blocks');
    assert.deepEqual([...got].sort(), ['10.42.1.0/24', '10.42.2.0/24', '10.42.3.0/24']);
    assert.deepEqual((await nodes.get('a')).spec?.podCIDRs, [await cidrOf('a')]);

    await nodes.create({ metadata: { name: 'd' } });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await cidrOf('d'), undefined, 'the range is full');
    assert.ok(h.events.some((e) => e.reason === 'CIDRNotAvailable'));

    const freed = await cidrOf('b');
    await nodes.delete('b');
    await nodes.create({ metadata: { name: 'e' } });
    const e = await eventually(async () => cidrOf('e'), 'block for e');
    assert.equal(e, freed);
  } finally {
    await h.close();
  }
});
