import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mostRecentScheduleTime } from './missed.js';
import { parseSchedule } from './schedule.js';
import { formatInZone, fromWall, toWall } from './timezone.js';

const at = (iso: string): number => Date.parse(iso);
const next = (spec: string, after: string, zone = 'UTC'): string | undefined => {
  const t = parseSchedule(spec, zone).next(at(after));
  return t === undefined ? undefined : new Date(t).toISOString();
};

test('five-field schedules: steps, ranges, lists, names', () => {
  assert.equal(next('* * * * *', '2025-03-01T10:00:30Z'), '2025-03-01T10:01:00.000Z');
  assert.equal(next('* * * * *', '2025-03-01T10:01:00Z'), '2025-03-01T10:02:00.000Z', 'strictly after');
  assert.equal(next('*/15 * * * *', '2025-03-01T10:16:00Z'), '2025-03-01T10:30:00.000Z');
  assert.equal(next('5,35 9-17 * * mon-fri', '2025-03-01T10:00:00Z'), '2025-03-03T09:05:00.000Z', 'Saturday → Monday');
  assert.equal(next('0 0 1 jan *', '2025-03-01T00:00:00Z'), '2026-01-01T00:00:00.000Z');
  assert.equal(next('0 0 29 feb *', '2025-03-01T00:00:00Z'), '2028-02-29T00:00:00.000Z');
});

test('day-of-month and day-of-week: either matches when both are restricted', () => {
  // 2025-03-05 is a Wednesday; the 10th is a Monday.
  assert.equal(next('0 0 10 * 3', '2025-03-01T00:00:00Z'), '2025-03-05T00:00:00.000Z');
  assert.equal(next('0 0 10 * *', '2025-03-01T00:00:00Z'), '2025-03-10T00:00:00.000Z');
});

test('descriptors and @every', () => {
  assert.equal(next('@hourly', '2025-03-01T10:00:00Z'), '2025-03-01T11:00:00.000Z');
  assert.equal(next('@daily', '2025-03-01T10:00:00Z'), '2025-03-02T00:00:00.000Z');
  assert.equal(next('@weekly', '2025-03-01T10:00:00Z'), '2025-03-02T00:00:00.000Z');
  assert.equal(next('@monthly', '2025-03-01T10:00:00Z'), '2025-04-01T00:00:00.000Z');
  assert.equal(next('@yearly', '2025-03-01T10:00:00Z'), '2026-01-01T00:00:00.000Z');
  assert.equal(next('@every 90s', '2025-03-01T10:00:00Z'), '2025-03-01T10:01:30.000Z');
  assert.throws(() => parseSchedule('61 * * * *', 'UTC'), /end of range \(61\) above maximum \(59\)/);
  assert.throws(() => parseSchedule('@fortnightly', 'UTC'), /unrecognized descriptor/);
});

test('time zones: spec zone, CRON_TZ= prefix and DST', () => {
  // 09:00 in New York is 14:00 UTC in winter (EST) and 13:00 UTC in summer (EDT).
  assert.equal(next('0 9 * * *', '2025-01-15T00:00:00Z', 'America/New_York'), '2025-01-15T14:00:00.000Z');
  assert.equal(next('0 9 * * *', '2025-07-15T00:00:00Z', 'America/New_York'), '2025-07-15T13:00:00.000Z');
  assert.equal(next('CRON_TZ=Asia/Tokyo 0 9 * * *', '2025-01-15T00:00:00Z'), '2025-01-16T00:00:00.000Z');
  // 02:30 does not exist on 2025-03-09 in New York: the next activation is the day after.
  assert.equal(next('30 2 * * *', '2025-03-09T05:00:00Z', 'America/New_York'), '2025-03-10T06:30:00.000Z');
  assert.throws(() => parseSchedule('CRON_TZ=Mars/Olympus 0 9 * * *', 'UTC'), /unknown time zone/);
  const instant = at('2025-07-15T13:00:00Z');
  assert.equal(fromWall(toWall(instant, 'Europe/Paris'), 'Europe/Paris'), instant);
  assert.equal(formatInZone(instant, 'Europe/Paris'), '2025-07-15T15:00:00+02:00');
  assert.equal(formatInZone(instant, 'UTC'), '2025-07-15T13:00:00Z');
});

test('mostRecentScheduleTime counts missed activations', () => {
  const every = parseSchedule('* * * * *', 'UTC');
  const start = at('2025-03-01T10:00:30Z');
  assert.deepEqual(mostRecentScheduleTime(every, start, at('2025-03-01T10:00:59Z')), { mostRecent: undefined, missed: 0 });
  assert.deepEqual(mostRecentScheduleTime(every, start, at('2025-03-01T10:01:10Z')), { mostRecent: at('2025-03-01T10:01:00Z'), missed: 1 });
  const far = mostRecentScheduleTime(every, start, at('2025-03-01T13:00:10Z'));
  assert.equal(far.mostRecent, at('2025-03-01T13:00:00Z'));
  assert.equal(far.missed, 180);
});
