// Event expiry through the API: expired Events go, recent ones stay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/resources.js';
import type { ObjectLike } from '../client/client.js';
import { startControllerHarness } from '../controllers/testing.js';
import { createLogger } from '../log.js';
import { deleteExpiredEvents, eventTtlController, sweepPeriodMs } from './ttl.js';

const coreEvents = findResource('', 'v1', 'events') ?? assert.fail('events');
const v1Events = findResource('events.k8s.io', 'v1', 'events') ?? assert.fail('events.k8s.io');
const quiet = createLogger('test', { level: 'error' });
const HOUR = 3_600_000;

function coreEvent(name: string, lastMs: number): Event {
  const ts = new Date(lastMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' },
    reason: 'R',
    message: 'm',
    firstTimestamp: ts,
    lastTimestamp: ts,
    count: 1,
    type: 'Normal',
  };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('deleteExpiredEvents removes core and events.k8s.io Events older than the TTL', async () => {
  const h = await startControllerHarness();
  try {
    const now = Date.now();
    const core = h.client.resource<Event>(coreEvents, 'default');
    await core.create(coreEvent('old', now - 2 * HOUR));
    await core.create(coreEvent('recent', now - 5 * 60_000));
    await h.client.resource<ObjectLike & Record<string, unknown>>(v1Events, 'default').create({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'old-v1', namespace: 'default' },
      eventTime: new Date(now - 3 * HOUR).toISOString().replace('Z', '000Z'),
      reportingController: 'c',
      reportingInstance: 'i',
      action: 'A',
      reason: 'R',
      type: 'Normal',
    });
    const deleted = await deleteExpiredEvents({ client: h.client, ttlMs: HOUR, nowMs: now, log: quiet });
    assert.equal(deleted, 2);
    assert.deepEqual((await core.list()).items.map((e) => e.metadata?.name), ['recent']);
    assert.equal((await h.client.resource(v1Events, 'default').list()).items.length, 0);
  } finally {
    await h.close();
  }
});

test('the eventttl controller sweeps with the configured TTL', async () => {
  const h = await startControllerHarness({ controllerOptions: { eventTtlMs: HOUR } });
  try {
    const now = Date.now();
    const core = h.client.resource<Event>(coreEvents, 'default');
    await core.create(coreEvent('expired', now - HOUR - 60_000));
    await core.create(coreEvent('fresh', now));
    h.start(eventTtlController);
    await until('the expired event to go', async () => (await core.list()).items.every((e) => e.metadata?.name !== 'expired'));
    assert.deepEqual((await core.list()).items.map((e) => e.metadata?.name), ['fresh']);
  } finally {
    await h.close();
  }
});

test('sweeps run a tenth of the TTL apart, between 1 s and 1 min', () => {
  assert.equal(sweepPeriodMs(HOUR), 60_000);
  assert.equal(sweepPeriodMs(100_000), 10_000);
  assert.equal(sweepPeriodMs(10), 1_000);
});
