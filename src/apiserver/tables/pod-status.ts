// The READY, STATUS and RESTARTS cells of a pod, computed as Kubernetes' pod printer computes
// them (1.33): the phase or reason, overridden by init-container progress (Init:1/3,
// Init:CrashLoopBackOff), then by the last container's waiting/terminated reason
// (ContainerCreating, CrashLoopBackOff, Completed, Error), then by deletion (Terminating).
// Restartable init containers (sidecars) count as containers once started.
import type { Container, ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';
import { parseTime, since } from './format.js';

export interface PodSummary {
  /** "1/2": ready containers over containers (sidecars included). */
  ready: string;
  status: string;
  /** "3" or "3 (5m ago)" when a container has restarted. */
  restarts: string;
}

const NODE_LOST = 'NodeLost';
const SCHEDULING_GATED = 'SchedulingGated';

function isRestartable(c: Container | undefined): boolean {
  return c?.restartPolicy === 'Always';
}

/** The reason a terminated container gives, or its signal / exit code when it gives none. */
function terminatedReason(t: NonNullable<ContainerStatus['state']>['terminated'], prefix: string): string {
  if (t?.reason) return `${prefix}${t.reason}`;
  if (t?.signal) return `${prefix}Signal:${t.signal}`;
  return `${prefix}ExitCode:${t?.exitCode ?? 0}`;
}

export function podSummary(pod: Pod, now: number): PodSummary {
  const spec = pod.spec;
  const status = pod.status ?? {};
  const phase = status.phase ?? '';
  let reason = status.reason || phase;
  let restarts = 0;
  let lastRestart: number | undefined;
  let sidecarRestarts = 0;
  let lastSidecarRestart: number | undefined;
  let readyContainers = 0;
  let totalContainers = spec?.containers?.length ?? 0;

  const later = (a: number | undefined, b: string | undefined): number | undefined => {
    const t = parseTime(b);
    return t !== undefined && (a === undefined || t > a) ? t : a;
  };

  for (const c of status.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === SCHEDULING_GATED) reason = SCHEDULING_GATED;
  }

  const initSpecs = new Map<string, Container>();
  for (const c of spec?.initContainers ?? []) {
    initSpecs.set(c.name, c);
    if (isRestartable(c)) totalContainers++;
  }

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    if (!c) continue;
    restarts += c.restartCount ?? 0;
    lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt);
    const sidecar = isRestartable(initSpecs.get(c.name));
    if (sidecar) {
      sidecarRestarts += c.restartCount ?? 0;
      lastSidecarRestart = later(lastSidecarRestart, c.lastState?.terminated?.finishedAt);
    }
    const terminated = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (sidecar && c.started === true) {
      if (c.ready) readyContainers++;
      continue;
    }
    if (terminated) {
      reason = terminatedReason(terminated, 'Init:');
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${spec?.initContainers?.length ?? 0}`;
    }
    initializing = true;
    break;
  }

  const initialized = (status.conditions ?? []).some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initialized) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      if (!c) continue;
      restarts += c.restartCount ?? 0;
      lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt);
      const waiting = c.state?.waiting;
      const terminated = c.state?.terminated;
      if (waiting?.reason) {
        reason = waiting.reason;
      } else if (terminated) {
        reason = terminatedReason(terminated, '');
      } else if (c.ready && c.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // A pod whose last container completed while others still run is not "Completed".
    if (reason === 'Completed' && hasRunning) {
      const podReady = (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
      reason = podReady ? 'Running' : 'NotReady';
    }
  }

  const deleting = Boolean(pod.metadata?.deletionTimestamp);
  if (deleting && status.reason === NODE_LOST) reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  let restartText = String(restarts);
  if (restarts !== 0 && lastRestart !== undefined) {
    restartText = `${restarts} (${since(new Date(lastRestart).toISOString(), now)} ago)`;
  }
  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartText };
}
