import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../informer/clock.js';
import { PodExpectations } from './expectations.js';

test('expectations: satisfied once every creation and each awaited deletion is seen once, or after the TTL', () => {
  const clock = new FakeClock();
  const e = new PodExpectations(clock);
  assert.equal(e.satisfied('ns/rs'), true);
  e.expectCreations('ns/rs', 2);
  e.creationObserved('ns/rs');
  assert.equal(e.satisfied('ns/rs'), false);
  e.creationObserved('ns/rs');
  assert.equal(e.satisfied('ns/rs'), true);

  e.expectDeletions('ns/rs', ['ns/a', 'ns/b']);
  e.deletionObserved('ns/rs', 'ns/a');
  e.deletionObserved('ns/rs', 'ns/a');
  e.deletionObserved('ns/rs', 'ns/other');
  assert.equal(e.satisfied('ns/rs'), false);
  clock.advance(5 * 60_000 + 1);
  assert.equal(e.satisfied('ns/rs'), true);
});

test('expectations: creations and deletions issued in one sync are both awaited', () => {
  const e = new PodExpectations(new FakeClock());
  e.expectCreations('ns/ds', 1);
  e.expectDeletions('ns/ds', ['ns/old']);
  e.creationObserved('ns/ds');
  assert.equal(e.satisfied('ns/ds'), false);
  e.deletionObserved('ns/ds', 'ns/old');
  assert.equal(e.satisfied('ns/ds'), true);
});

test('expectations: a satisfied record is dropped, so surplus observations do not carry over', () => {
  const e = new PodExpectations(new FakeClock());
  e.expectCreations('ns/job', 1);
  e.creationObserved('ns/job');
  e.creationObserved('ns/job');
  assert.equal(e.satisfied('ns/job'), true);
  e.expectCreations('ns/job', 1);
  assert.equal(e.satisfied('ns/job'), false);
});

test('expectations: a new expectation restarts the TTL; forget drops the owner', () => {
  const clock = new FakeClock();
  const e = new PodExpectations(clock);
  e.expectCreations('ns/a', 1);
  clock.advance(4 * 60_000);
  e.expectDeletions('ns/a', ['ns/p']);
  clock.advance(2 * 60_000);
  assert.equal(e.satisfied('ns/a'), false);
  e.forget('ns/a');
  assert.equal(e.satisfied('ns/a'), true);
});
