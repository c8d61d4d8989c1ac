import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { applyDefaults, prepareForCreate, validate } from '../strategy.js';
import { cronScheduleError } from './cron.js';
import { resource, where } from './testing.js';

const jobs = resource('batch', 'Job', { namespaced: true });
const cronjobs = resource('batch', 'CronJob', { namespaced: true });

function job(podSpec: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject {
  const j: KubeObject = {
    metadata: { name: 'pi', namespace: 'default', uid: '1b2c3d4e-0000-4000-8000-000000000001' },
    spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl' }], ...podSpec } }, ...extra },
  };
  applyDefaults(jobs, j);
  prepareForCreate(jobs, j);
  return j;
}

test('a job with restartPolicy Never passes after selector generation', () => {
  assert.deepEqual(validate(jobs, job({ restartPolicy: 'Never' })), []);
});

test('a job template defaults to restartPolicy Always, which jobs do not support', () => {
  const errs = validate(jobs, job({}));
  assert.deepEqual(where(errs), ['spec.template.spec.restartPolicy FieldValueNotSupported']);
  assert.equal(
    ApiError.invalid('Job', 'pi', errs, 'batch').message,
    'Job.batch "pi" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
  );
});

test('job spec numbers and enums', () => {
  const errs = where(validate(jobs, job({ restartPolicy: 'Never' }, { parallelism: -1, backoffLimit: -2, completionMode: 'Odd' })));
  assert.deepEqual(errs, ['spec.parallelism FieldValueInvalid', 'spec.backoffLimit FieldValueInvalid', 'spec.completionMode FieldValueNotSupported']);
  const indexed = where(validate(jobs, job({ restartPolicy: 'Never' }, { completionMode: 'Indexed', parallelism: 2 })));
  assert.deepEqual(indexed, ['spec.completions FieldValueRequired']);
});

test('a manual selector must match the template labels', () => {
  const j = job({ restartPolicy: 'Never' }, { manualSelector: true, selector: { matchLabels: { a: 'b' } } });
  assert.deepEqual(where(validate(jobs, j)), ['spec.template.metadata.labels FieldValueInvalid']);
});

test('job selector and template are immutable; completions too', () => {
  const old = job({ restartPolicy: 'Never' });
  const now = structuredClone(old);
  (now.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image = 'perl:2';
  (now.spec as { completions: number }).completions = 3;
  (now.spec as { selector: unknown }).selector = { matchLabels: { x: 'y' } };
  const errs = where(validate(jobs, now, old));
  assert.ok(errs.includes('spec.selector FieldValueInvalid'));
  assert.ok(errs.includes('spec.completions FieldValueInvalid'));
  assert.ok(errs.includes('spec.template FieldValueInvalid'));
});

test('a suspended job that never started may change scheduling directives of its template', () => {
  const old = job({ restartPolicy: 'Never' }, { suspend: true });
  const now = structuredClone(old);
  (now.spec as { template: { spec: Record<string, unknown> } }).template.spec.nodeSelector = { zone: 'a' };
  assert.deepEqual(validate(jobs, now, old), []);
});

function cronjob(spec: Record<string, unknown>, name = 'hello'): KubeObject {
  const cj: KubeObject = {
    metadata: { name, namespace: 'default' },
    spec: {
      schedule: '*/5 * * * *',
      jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: 'OnFailure' } } } },
      ...spec,
    },
  };
  applyDefaults(cronjobs, cj);
  return cj;
}

test('cron jobs: valid schedules and descriptors pass', () => {
  for (const schedule of ['*/5 * * * *', '@hourly', '@daily', '0 0 1 jan-mar mon-fri', '30 2 * * 0', '0 */2 * * *', '@every 1h30m', '5/15 * * * ?'])
    assert.deepEqual(validate(cronjobs, cronjob({ schedule })), [], schedule);
});

test('cron jobs: bad schedules use the cron parser wording', () => {
  const errs = validate(cronjobs, cronjob({ schedule: 'every minute' }));
  assert.deepEqual(where(errs), ['spec.schedule FieldValueInvalid']);
  assert.equal(
    ApiError.invalid('CronJob', 'hello', errs, 'batch').message,
    'CronJob.batch "hello" is invalid: spec.schedule: Invalid value: "every minute": expected exactly 5 fields, found 2: [every minute]',
  );
  assert.equal(cronScheduleError('60 * * * *'), 'end of range (60) above maximum (59): 60');
  assert.equal(cronScheduleError('@fortnightly'), 'unrecognized descriptor: @fortnightly');
  assert.equal(cronScheduleError('x * * * *'), 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax');
  assert.equal(cronScheduleError('5-1 * * * *'), 'beginning of range (5) beyond end of range (1): 5-1');
  assert.equal(cronScheduleError('*/0 * * * *'), 'step of range should be a positive number: */0');
});

test('cron jobs: TZ in the schedule, unknown time zones, long names', () => {
  assert.deepEqual(where(validate(cronjobs, cronjob({ schedule: 'TZ=UTC 0 * * * *' }))), ['spec.schedule FieldValueInvalid']);
  assert.deepEqual(validate(cronjobs, cronjob({ timeZone: 'Europe/Berlin' })), []);
  const tz = validate(cronjobs, cronjob({ timeZone: 'Mars/Olympus' }));
  assert.deepEqual(where(tz), ['spec.timeZone FieldValueInvalid']);
  assert.equal(tz[0]?.detail, 'unknown time zone Mars/Olympus');
  const long = validate(cronjobs, cronjob({}, 'a'.repeat(53)));
  assert.deepEqual(where(long), ['metadata.name FieldValueInvalid']);
  assert.equal(long[0]?.detail, 'must be no more than 52 characters');
});

test('cron jobs: concurrencyPolicy enum and job template restartPolicy', () => {
  const errs = where(validate(cronjobs, cronjob({ concurrencyPolicy: 'Sometimes' })));
  assert.deepEqual(errs, ['spec.concurrencyPolicy FieldValueNotSupported']);
  const cj = cronjob({});
  (cj.spec as { jobTemplate: { spec: { template: { spec: { restartPolicy: string } } } } }).jobTemplate.spec.template.spec.restartPolicy = 'Always';
  assert.deepEqual(where(validate(cronjobs, cj)), ['spec.jobTemplate.spec.template.spec.restartPolicy FieldValueNotSupported']);
});
