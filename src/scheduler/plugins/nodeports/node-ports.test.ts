import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../../framework.js';
import { NodeInfo } from '../../node-info.js';
import { PodInfo } from '../../pod-info.js';
import { nodePorts, ERR_REASON_PORTS } from './node-ports.js';

const withPort = (name: string, hostPort: number, hostIP?: string, protocol?: string): PodInfo =>
  new PodInfo({ metadata: { name }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort, hostIP, protocol }] }] } });

test('host ports conflict on the same protocol/port and overlapping IPs', () => {
  const pl = nodePorts();
  const n = new NodeInfo({ metadata: { name: 'n' } });
  n.addPod(withPort('a', 8080, '10.0.0.1'));
  const st = new CycleState();
  assert.deepEqual(pl.filter?.(st, withPort('b', 8080), n)?.reasons, [ERR_REASON_PORTS]);
  assert.equal(pl.filter?.(st, withPort('b', 8080, '10.0.0.2'), n), undefined);
  assert.ok(pl.filter?.(st, withPort('b', 8080, '10.0.0.1'), n));
  assert.equal(pl.filter?.(st, withPort('b', 8080, '10.0.0.1', 'UDP'), n), undefined);
  assert.equal(pl.filter?.(st, withPort('b', 9090), n), undefined);
  n.removePod(withPort('a', 8080).key);
  assert.equal(pl.filter?.(st, withPort('b', 8080), n), undefined);
});
