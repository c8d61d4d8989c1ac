import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import { routeFor } from './pod-network.js';

const node = (podCIDR: string | undefined, ip: string | undefined): Node => ({
  metadata: { name: 'n' },
  spec: podCIDR ? { podCIDR } : {},
  status: ip ? { addresses: [{ type: 'Hostname', address: 'n' }, { type: 'InternalIP', address: ip }] } : {},
});

test('another node with a podCIDR and a remote InternalIP needs a route through that address', () => {
  assert.deepEqual(routeFor(node('10.42.1.0/24', '192.0.2.7'), new Set(['192.0.2.2'])), { cidr: '10.42.1.0/24', via: '192.0.2.7' });
});

test('no route before the podCIDR or the address is known', () => {
  assert.equal(routeFor(node(undefined, '192.0.2.7'), new Set()), undefined);
  assert.equal(routeFor(node('10.42.1.0/24', undefined), new Set()), undefined);
});

test('no route to a node on this machine: its bridge is local', () => {
  assert.equal(routeFor(node('10.42.1.0/24', '192.0.2.2'), new Set(['192.0.2.2'])), undefined);
  assert.equal(routeFor(node('10.42.1.0/24', '127.0.0.1'), new Set()), undefined);
});
