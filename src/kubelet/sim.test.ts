import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { ADMIN_TOKEN, startTestServer } from '../apiserver/testing.js';
import { createClient } from '../client/client.js';
import { HttpTransport } from '../client/http.js';
import { createLogger } from '../log.js';
import { startSimulatedNodes } from './sim.js';

test('simulated nodes register, become Ready and run the pods bound to them', async () => {
  const server = await startTestServer();
  const client = createClient(new HttpTransport({ server: server.url, token: ADMIN_TOKEN }));
  const stop = new AbortController();
  const sim = await startSimulatedNodes({ client, count: 5, namePrefix: 'sim-', log: createLogger('sim', { level: 'error' }), signal: stop.signal });
  try {
    const nodes = await client.resource<Node>({ group: '', version: 'v1', resource: 'nodes' }).list();
    assert.deepEqual(nodes.items.map((n) => n.metadata?.name).sort(), ['sim-0', 'sim-1', 'sim-2', 'sim-3', 'sim-4']);
    assert.ok(nodes.items.every((n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True'));
    const pods = client.resource<Pod>({ group: '', version: 'v1', resource: 'pods' }, 'default');
    for (const n of sim.names) await pods.create({ metadata: { name: `p-${n}` }, spec: { nodeName: n, containers: [{ name: 'c', image: 'pause:3.9' }] } });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const list = await pods.list();
      if (list.items.length === 5 && list.items.every((p) => p.status?.phase === 'Running')) {
        assert.ok(list.items.every((p) => p.status?.hostIP?.startsWith('10.32.')));
        break;
      }
      assert.ok(Date.now() < deadline, 'pods did not all run');
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    stop.abort();
    await sim.stop();
    client.close();
    await server.close();
  }
});
