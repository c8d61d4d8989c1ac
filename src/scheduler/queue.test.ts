import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock } from './clock.js';
import { Action } from './events.js';
import { SchedulingQueue } from './queue.js';
import { prioritySort } from './plugins/queuesort/priority-sort.js';
import { makeNode, makePod } from './testing.js';

function queue(clock = new FakeClock()): SchedulingQueue {
  const less = prioritySort().less;
  assert.ok(less);
  return new SchedulingQueue({
    clock,
    less,
    hintsFor: (plugin) =>
      plugin === 'NodeResourcesFit'
        ? [{ resource: 'Node', actions: Action.Add, hint: (_p, e) => (e.resource === 'Node' && e.newNode?.metadata?.name === 'big' ? 'Queue' : 'Skip') }]
        : [],
  });
}

const key = (p: Pod): string => p.metadata?.uid ?? '';

test('activeQ pops by priority, then FIFO', () => {
  const clock = new FakeClock();
  const q = queue(clock);
  const a = makePod('a');
  const b = makePod('b', { priority: 5 });
  q.add(a);
  clock.advance(1);
  q.add(b);
  clock.advance(1);
  q.add(makePod('c'));
  assert.deepEqual([q.pop(), q.pop(), q.pop()].map((x) => x?.podInfo.name), ['b', 'a', 'c']);
  assert.equal(q.pop(), undefined);
});

test('backoff doubles from 1 s per attempt up to 10 s', () => {
  const q = queue();
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => q.backoffDurationMs(n)), [1000, 2000, 4000, 8000, 10_000, 10_000]);
});

test('errors back off; the pod returns to activeQ when its backoff ends', () => {
  const clock = new FakeClock();
  const q = queue(clock);
  const p = makePod('p');
  q.add(p);
  const qp = q.pop();
  assert.ok(qp);
  q.addUnschedulable(qp, { rejectors: new Set(), error: true });
  assert.equal(q.whereIs(key(p)), 'backoff');
  clock.advance(999);
  q.flush();
  assert.equal(q.whereIs(key(p)), 'backoff');
  clock.advance(1);
  q.flush();
  assert.equal(q.whereIs(key(p)), 'active');
});

test('unschedulable pods move only on events their rejecting plugin registered and hinted', () => {
  const clock = new FakeClock();
  const q = queue(clock);
  const p = makePod('p');
  q.add(p);
  const qp = q.pop();
  assert.ok(qp);
  q.addUnschedulable(qp, { rejectors: new Set(['NodeResourcesFit']), error: false });
  assert.equal(q.whereIs(key(p)), 'unschedulable');
  q.onEvent({ resource: 'Node', action: Action.Add, newNode: makeNode('small') });
  assert.equal(q.whereIs(key(p)), 'unschedulable');
  q.onEvent({ resource: 'AssignedPod', action: Action.Delete });
  assert.equal(q.whereIs(key(p)), 'unschedulable');
  q.onEvent({ resource: 'Node', action: Action.Add, newNode: makeNode('big') });
  // Still within its 1 s backoff: waits in backoffQ first.
  assert.equal(q.whereIs(key(p)), 'backoff');
  clock.advance(1000);
  q.flush();
  assert.equal(q.whereIs(key(p)), 'active');
});

test('an event during the attempt is not lost', () => {
  const clock = new FakeClock();
  const q = queue(clock);
  const p = makePod('p');
  q.add(p);
  const qp = q.pop();
  assert.ok(qp);
  q.onEvent({ resource: 'Node', action: Action.Add, newNode: makeNode('big') });
  q.addUnschedulable(qp, { rejectors: new Set(['NodeResourcesFit']), error: false });
  assert.equal(q.whereIs(key(p)), 'backoff');
});

test('pods stuck unschedulable are retried after 5 minutes', () => {
  const clock = new FakeClock();
  const q = queue(clock);
  const p = makePod('p');
  q.add(p);
  const qp = q.pop();
  assert.ok(qp);
  q.addUnschedulable(qp, { rejectors: new Set(['X']), error: false });
  clock.advance(4 * 60_000);
  q.flush();
  assert.equal(q.whereIs(key(p)), 'unschedulable');
  clock.advance(60_001);
  q.flush();
  assert.equal(q.whereIs(key(p)), 'active');
});

test('a pod deleted while being scheduled is not put back', () => {
  const q = queue();
  const p = makePod('p');
  q.add(p);
  const qp = q.pop();
  assert.ok(qp);
  q.delete(key(p));
  q.addUnschedulable(qp, { rejectors: new Set(), error: false });
  assert.equal(q.whereIs(key(p)), undefined);
});

test('waitForActive resolves when a pod arrives', async () => {
  const q = queue();
  const waiting = q.waitForActive();
  q.add(makePod('p'));
  await waiting;
  assert.equal(q.counts.active, 1);
});
