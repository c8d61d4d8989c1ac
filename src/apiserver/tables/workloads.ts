// Table layouts for apps/v1 and batch/v1, as Kubernetes' printers define them.
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { KubeObject } from '../../api/object.js';
import { labelSelectorFromObject } from '../../api/selectors/labels.js';
import {
  age,
  boolPtr,
  containerCells,
  formatLabelSelector,
  formatLabels,
  humanDuration,
  parseTime,
  resourceName,
  since,
  view,
} from './format.js';
import { AGE, CONTAINERS, IMAGES, NAME, column, layout, wide, type TableLayout } from './layout.js';

const name = (o: KubeObject): string => o.metadata?.name ?? '';

/** Deployments print their selector unformatted: "" when it selects everything. */
function deploymentSelector(d: Deployment): string {
  try {
    return d.spec?.selector ? labelSelectorFromObject(d.spec.selector).toString() : '';
  } catch {
    return '<invalid>';
  }
}

const deployments: TableLayout = layout(
  [
    NAME,
    column('Ready', 'string', 'Number of the pod with ready state'),
    column('Up-to-date', 'integer', 'DeploymentStatus.updatedReplicas'),
    column('Available', 'integer', 'DeploymentStatus.availableReplicas'),
    AGE,
    CONTAINERS,
    IMAGES,
    wide('Selector', 'string', 'DeploymentSpec.selector'),
  ],
  (o, now) => {
    const d = view<Deployment>(o);
    const [names, images] = containerCells(d.spec?.template?.spec?.containers);
    return [
      name(o),
      `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`,
      d.status?.updatedReplicas ?? 0,
      d.status?.availableReplicas ?? 0,
      age(o, now),
      names,
      images,
      deploymentSelector(d),
    ];
  },
);

const replicasets: TableLayout = layout(
  [
    NAME,
    column('Desired', 'integer', 'ReplicaSetSpec.replicas'),
    column('Current', 'integer', 'ReplicaSetStatus.replicas'),
    column('Ready', 'integer', 'ReplicaSetStatus.readyReplicas'),
    AGE,
    CONTAINERS,
    IMAGES,
    wide('Selector', 'string', 'ReplicaSetSpec.selector'),
  ],
  (o, now) => {
    const rs = view<ReplicaSet>(o);
    const [names, images] = containerCells(rs.spec?.template?.spec?.containers);
    return [
      name(o),
      rs.spec?.replicas ?? 1,
      rs.status?.replicas ?? 0,
      rs.status?.readyReplicas ?? 0,
      age(o, now),
      names,
      images,
      formatLabelSelector(rs.spec?.selector),
    ];
  },
);

const statefulsets: TableLayout = layout(
  [NAME, column('Ready', 'string', 'Number of the pod with ready state'), AGE, CONTAINERS, IMAGES],
  (o, now) => {
    const s = view<StatefulSet>(o);
    const [names, images] = containerCells(s.spec?.template?.spec?.containers);
    return [name(o), `${s.status?.readyReplicas ?? 0}/${s.spec?.replicas ?? 1}`, age(o, now), names, images];
  },
);

const daemonsets: TableLayout = layout(
  [
    NAME,
    column('Desired', 'integer', 'DaemonSetStatus.desiredNumberScheduled'),
    column('Current', 'integer', 'DaemonSetStatus.currentNumberScheduled'),
    column('Ready', 'integer', 'DaemonSetStatus.numberReady'),
    column('Up-to-date', 'integer', 'DaemonSetStatus.updatedNumberScheduled'),
    column('Available', 'integer', 'DaemonSetStatus.numberAvailable'),
    column('Node Selector', 'string', 'PodSpec.nodeSelector'),
    AGE,
    CONTAINERS,
    IMAGES,
    wide('Selector', 'string', 'DaemonSetSpec.selector'),
  ],
  (o, now) => {
    const ds = view<DaemonSet>(o);
    const st = ds.status;
    const [names, images] = containerCells(ds.spec?.template?.spec?.containers);
    return [
      name(o),
      st?.desiredNumberScheduled ?? 0,
      st?.currentNumberScheduled ?? 0,
      st?.numberReady ?? 0,
      st?.updatedNumberScheduled ?? 0,
      st?.numberAvailable ?? 0,
      formatLabels(ds.spec?.template?.spec?.nodeSelector),
      age(o, now),
      names,
      images,
      formatLabelSelector(ds.spec?.selector),
    ];
  },
);

const controllerrevisions: TableLayout = layout(
  [
    NAME,
    column('Controller', 'string', 'Controller of the object'),
    column('Revision', 'string', 'ControllerRevision.revision'),
    AGE,
  ],
  (o, now) => {
    const cr = view<ControllerRevision>(o);
    const owner = cr.metadata?.ownerReferences?.find((r) => r.controller === true);
    const controller = owner ? resourceName(owner.apiVersion, owner.kind, owner.name) : '<none>';
    return [name(o), controller, cr.revision ?? 0, age(o, now)];
  },
);

/** The STATUS cell of a Job (1.28+): its terminal or notable condition, else Running. */
export function jobStatus(job: Job): string {
  const has = (type: string): boolean => (job.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
  if (has('Complete')) return 'Complete';
  if (has('Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (has('Suspended')) return 'Suspended';
  if (has('FailureTarget')) return 'FailureTarget';
  if (has('SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

/** `1/3`, `2/1 of 4` (parallel without completions), `0/1`. */
export function jobCompletions(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  if (job.spec?.completions !== undefined && job.spec.completions !== null) return `${succeeded}/${job.spec.completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(job: Job, now: number): string {
  const start = parseTime(job.status?.startTime);
  if (start === undefined) return '';
  const end = parseTime(job.status?.completionTime);
  return end === undefined ? humanDuration(now - start) : humanDuration(end - start);
}

const jobs: TableLayout = layout(
  [
    NAME,
    column('Status', 'string', 'Status of the job.'),
    column('Completions', 'string', 'JobStatus.succeeded'),
    column('Duration', 'string', 'Time required to complete the job.'),
    AGE,
    CONTAINERS,
    IMAGES,
    wide('Selector', 'string', 'JobSpec.selector'),
  ],
  (o, now) => {
    const job = view<Job>(o);
    const [names, images] = containerCells(job.spec?.template?.spec?.containers);
    return [
      name(o),
      jobStatus(job),
      jobCompletions(job),
      jobDuration(job, now),
      age(o, now),
      names,
      images,
      formatLabelSelector(job.spec?.selector),
    ];
  },
);

const cronjobs: TableLayout = layout(
  [
    NAME,
    column('Schedule', 'string', 'CronJobSpec.schedule'),
    column('Timezone', 'string', 'CronJobSpec.timeZone'),
    column('Suspend', 'boolean', 'CronJobSpec.suspend'),
    column('Active', 'integer', 'CronJobStatus.active'),
    column('Last Schedule', 'string', 'CronJobStatus.lastScheduleTime'),
    AGE,
    CONTAINERS,
    IMAGES,
    wide('Selector', 'string', 'JobSpec.selector'),
  ],
  (o, now) => {
    const cj = view<CronJob>(o);
    const template = cj.spec?.jobTemplate?.spec;
    const [names, images] = containerCells(template?.template?.spec?.containers);
    const last = cj.status?.lastScheduleTime ? since(cj.status.lastScheduleTime, now) : '<none>';
    return [
      name(o),
      cj.spec?.schedule ?? '',
      cj.spec?.timeZone ?? '<none>',
      boolPtr(cj.spec?.suspend),
      cj.status?.active?.length ?? 0,
      last,
      age(o, now),
      names,
      images,
      formatLabelSelector(template?.selector),
    ];
  },
);

export const APPS_LAYOUTS: Readonly<Record<string, TableLayout>> = {
  deployments,
  replicasets,
  statefulsets,
  daemonsets,
  controllerrevisions,
};

export const BATCH_LAYOUTS: Readonly<Record<string, TableLayout>> = { jobs, cronjobs };
