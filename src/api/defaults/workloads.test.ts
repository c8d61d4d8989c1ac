import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../object.js';
import { applyDefaults, prepareForCreate } from '../strategy.js';
import { resource } from '../validation/testing.js';

const template = (): Record<string, unknown> => ({
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
});

/** The template as Kubernetes returns it from a minimal one. */
const defaultedTemplate = (restartPolicy = 'Always'): Record<string, unknown> => ({
  metadata: { labels: { app: 'web' }, creationTimestamp: null },
  spec: {
    containers: [
      {
        name: 'web',
        image: 'nginx:1.27',
        imagePullPolicy: 'IfNotPresent',
        resources: {},
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
      },
    ],
    dnsPolicy: 'ClusterFirst',
    restartPolicy,
    schedulerName: 'default-scheduler',
    securityContext: {},
    terminationGracePeriodSeconds: 30,
  },
});

function defaulted(group: string, kind: string, spec: Record<string, unknown>): KubeObject {
  const obj: KubeObject = { metadata: { name: 'web', namespace: 'default' }, spec };
  applyDefaults(resource(group, kind, { namespaced: true }), obj);
  return obj;
}

test('deployment', () => {
  const d = defaulted('apps', 'Deployment', { selector: { matchLabels: { app: 'web' } }, template: template() });
  assert.deepEqual(d.spec, {
    selector: { matchLabels: { app: 'web' } },
    template: defaultedTemplate(),
    replicas: 1,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
    revisionHistoryLimit: 10,
    progressDeadlineSeconds: 600,
  });
  const recreate = defaulted('apps', 'Deployment', { strategy: { type: 'Recreate' }, template: template() });
  assert.deepEqual((recreate.spec as { strategy: unknown }).strategy, { type: 'Recreate' });
});

test('replica set and statefulset', () => {
  assert.equal((defaulted('apps', 'ReplicaSet', { template: template() }).spec as { replicas: number }).replicas, 1);
  const ss = defaulted('apps', 'StatefulSet', {
    serviceName: 'web',
    template: template(),
    volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
  });
  assert.deepEqual(ss.spec, {
    serviceName: 'web',
    template: defaultedTemplate(),
    podManagementPolicy: 'OrderedReady',
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    replicas: 1,
    revisionHistoryLimit: 10,
    volumeClaimTemplates: [
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'www', creationTimestamp: null },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' },
        status: { phase: 'Pending' },
      },
    ],
  });
});

test('daemonset', () => {
  const ds = defaulted('apps', 'DaemonSet', { template: template() });
  assert.deepEqual((ds.spec as Record<string, unknown>).updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal((ds.spec as Record<string, unknown>).revisionHistoryLimit, 10);
});

test('job: defaults, then the generated selector and labels on create', () => {
  const jobs = resource('batch', 'Job', { namespaced: true });
  const tpl = template();
  (tpl.spec as Record<string, unknown>).restartPolicy = 'Never';
  const job: KubeObject = { metadata: { name: 'pi', namespace: 'default', uid: 'u-1' }, spec: { template: tpl } };
  applyDefaults(jobs, job);
  prepareForCreate(jobs, job);
  const labels = {
    app: 'web',
    'job-name': 'pi',
    'batch.kubernetes.io/job-name': 'pi',
    'controller-uid': 'u-1',
    'batch.kubernetes.io/controller-uid': 'u-1',
  };
  const expectedTemplate = defaultedTemplate('Never');
  (expectedTemplate.metadata as Record<string, unknown>).labels = labels;
  assert.deepEqual(job, {
    metadata: { name: 'pi', namespace: 'default', uid: 'u-1', labels: { app: 'web' } },
    spec: {
      template: expectedTemplate,
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      podReplacementPolicy: 'TerminatingOrFailed',
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } },
    },
  });
});

test('job: labels from the generated template labels when the template had none; parallel jobs', () => {
  const jobs = resource('batch', 'Job', { namespaced: true });
  const job: KubeObject = { metadata: { name: 'pi', namespace: 'default', uid: 'u-2' }, spec: { parallelism: 3, template: { spec: { containers: [] } } } };
  applyDefaults(jobs, job);
  prepareForCreate(jobs, job);
  assert.equal((job.metadata?.labels as Record<string, string>)['batch.kubernetes.io/controller-uid'], 'u-2');
  assert.equal((job.spec as Record<string, unknown>).completions, undefined);
  const manual: KubeObject = { metadata: { name: 'm', uid: 'u-3' }, spec: { manualSelector: true, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } } } } };
  applyDefaults(jobs, manual);
  prepareForCreate(jobs, manual);
  assert.deepEqual((manual.spec as { selector: unknown }).selector, { matchLabels: { a: 'b' } });
});

test('cronjob', () => {
  const tpl = template();
  (tpl.spec as Record<string, unknown>).restartPolicy = 'OnFailure';
  const cj = defaulted('batch', 'CronJob', { schedule: '@hourly', jobTemplate: { spec: { template: tpl } } });
  assert.deepEqual(cj.spec, {
    schedule: '@hourly',
    jobTemplate: { metadata: { creationTimestamp: null }, spec: { template: defaultedTemplate('OnFailure') } },
    concurrencyPolicy: 'Allow',
    suspend: false,
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 1,
  });
});

test('replication controller takes selector and labels from its template', () => {
  const rc = defaulted('', 'ReplicationController', { template: template() });
  assert.deepEqual(rc.metadata?.labels, { app: 'web' });
  assert.deepEqual((rc.spec as Record<string, unknown>).selector, { app: 'web' });
  assert.equal((rc.spec as Record<string, unknown>).replicas, 1);
});
