import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClient } from '../client/client.js';
import { InProcessTransport } from '../client/in-process.js';
import { ADMIN_TOKEN, startTestServer } from './testing.js';

test("under a user's flood, a node's request and an admin's are served first", async () => {
  const s = await startTestServer({
    tokens: new Map([
      [ADMIN_TOKEN, { username: 'admin', groups: ['system:masters'] }],
      ['user-token', { username: 'alice', groups: [] }],
      ['node-token', { username: 'system:node:n1', groups: ['system:nodes'] }],
    ]),
    // Flow control is under test, not authorization: alice may list pods.
    authorizationMode: 'AlwaysAllow',
  });
  const as = (token: string) => createClient(new InProcessTransport({ handler: s.handle, token }));
  const alice = as('user-token');
  const node = as('node-token');
  const admin = as(ADMIN_TOKEN);
  try {
    const pods = { group: '', version: 'v1', resource: 'pods' } as const;
    const done: string[] = [];
    // All submitted in one tick, as requests read from many sockets in one poll of the event loop.
    const calls = [
      ...Array.from({ length: 40 }, (_, i) => alice.resource(pods, 'default').list().then(() => void done.push(`alice${i}`))),
      node.resource(pods, 'default').list().then(() => void done.push('node')),
      admin.resource(pods, 'default').list().then(() => void done.push('admin')),
    ];
    await Promise.all(calls);
    assert.equal(done.length, 42);
    assert.equal(done[0], 'admin', 'system:masters is exempt: it starts at once');
    assert.ok(done.indexOf('node') <= 2, `the node's request waited behind alice's: ${done.join(' ')}`);
    // alice's own requests are answered in the order she sent them.
    const own = done.filter((d) => d.startsWith('alice'));
    assert.deepEqual(own, Array.from({ length: 40 }, (_, i) => `alice${i}`));
  } finally {
    for (const c of [alice, node, admin]) c.close();
    await s.close();
  }
});
