// The PodStatus the kubelet writes, generated as Kubernetes' generateAPIPodStatus does: phase
// from container states and restart policy, the five conditions (transition times kept while
// unchanged), init/app/ephemeral container statuses with state/lastState/restartCount/ready/started, IPs,
// start time and QoS class. `kubectl get pods` derives READY/STATUS/RESTARTS from exactly this.
import type { Container, ContainerState, ContainerStatus as ApiContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import type { ContainerProbeState } from './probes/probe-manager.js';
import type { ContainerStatus, SandboxStatus } from './runtime/runtime.js';

export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Why a container is waiting, as the last sync found (CrashLoopBackOff, ErrImagePull, …). */
export interface WaitingReason {
  reason: string;
  message: string;
}

export interface StatusInputs {
  pod: Pod;
  /** The pod's latest sandbox, if any. */
  sandbox: SandboxStatus | undefined;
  /** All runtime containers of the pod (every attempt still kept). */
  containers: ContainerStatus[];
  probes(containerId: string): ContainerProbeState;
  waiting: ReadonlyMap<string, WaitingReason>;
  runtimeName: string;
  hostIP: string;
  /** The address the pod's sandbox had when the kubelet last saw it with one (it may be stopped since). */
  knownPodIP?: string;
  /** The pod's containers are all stopped for good (deleted, or finished). */
  terminal: boolean;
  startTime: number;
  now: number;
}

/** Latest and previous runtime containers for a container name (by attempt, then creation). */
export function attemptsOf(containers: ContainerStatus[], name: string): ContainerStatus[] {
  return containers.filter((c) => c.name === name).sort((a, b) => b.attempt - a.attempt || b.createdAt - a.createdAt);
}

function terminatedState(c: ContainerStatus, runtimeName: string): ContainerState {
  return {
    terminated: {
      exitCode: c.exitCode,
      reason: c.reason || (c.exitCode === 0 ? 'Completed' : 'Error'),
      ...(c.message ? { message: c.message } : {}),
      startedAt: c.startedAt ? rfc3339(c.startedAt) : null,
      finishedAt: c.finishedAt ? rfc3339(c.finishedAt) : null,
      containerID: `${runtimeName}://${c.id}`,
    } as NonNullable<ContainerState['terminated']>,
  };
}

function containerStatus(i: StatusInputs, spec: Container, defaultWaiting: string, init: boolean): ApiContainerStatus {
  const attempts = attemptsOf(i.containers, spec.name);
  const latest = attempts[0];
  const waiting = i.waiting.get(spec.name);
  const out: ApiContainerStatus = { name: spec.name, image: spec.image ?? '', imageID: '', ready: false, restartCount: 0, started: false, state: {}, lastState: {} };
  if (!latest) {
    out.state = { waiting: waiting ?? { reason: defaultWaiting } };
    return out;
  }
  out.restartCount = latest.attempt;
  out.imageID = latest.imageRef;
  out.containerID = `${i.runtimeName}://${latest.id}`;
  if (latest.state === 'running') {
    const p = i.probes(latest.id);
    out.state = { running: { startedAt: rfc3339(latest.startedAt || latest.createdAt) } };
    out.started = p.started;
    out.ready = p.started && p.ready;
    const prev = attempts.find((c) => c !== latest && c.state === 'exited');
    if (prev) out.lastState = terminatedState(prev, i.runtimeName);
  } else if (latest.state === 'exited') {
    if (waiting && !i.terminal) {
      out.state = { waiting };
      out.lastState = terminatedState(latest, i.runtimeName);
    } else {
      out.state = terminatedState(latest, i.runtimeName);
      const prev = attempts.find((c) => c !== latest && c.state === 'exited');
      if (prev) out.lastState = terminatedState(prev, i.runtimeName);
      if (init && latest.exitCode === 0) out.ready = true;
    }
  } else {
    out.state = { waiting: waiting ?? { reason: 'ContainerCreating' } };
    const prev = attempts.find((c) => c !== latest && c.state === 'exited');
    if (prev) out.lastState = terminatedState(prev, i.runtimeName);
  }
  return out;
}

/** Kubernetes' getPhase (v1.33), for regular init containers and app containers. */
export function podPhase(pod: Pod, init: ApiContainerStatus[], apps: ApiContainerStatus[], terminal: boolean): NonNullable<PodStatus['phase']> {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  let pendingInit = 0;
  let failedInit = 0;
  for (const c of pod.spec?.initContainers ?? []) {
    if (c.restartPolicy === 'Always') continue;
    const s = init.find((x) => x.name === c.name);
    if (!s || s.state?.running) pendingInit++;
    else if (s.state?.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) {
        if (s.lastState.terminated.exitCode !== 0) failedInit++;
      } else pendingInit++;
    } else pendingInit++;
  }
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of pod.spec?.containers ?? []) {
    const s = apps.find((x) => x.name === c.name);
    if (!s) unknown++;
    else if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  if (pendingInit > 0 || (failedInit > 0 && !terminal)) return 'Pending';
  if (waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (terminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function condition(type: string, ok: boolean, previous: PodStatus | undefined, now: number, reason?: string, message?: string): PodCondition {
  const status = ok ? 'True' : 'False';
  const old = previous?.conditions?.find((c) => c.type === type);
  const c: PodCondition = {
    type,
    status,
    lastProbeTime: null as unknown as string,
    lastTransitionTime: old && old.status === status && old.lastTransitionTime ? old.lastTransitionTime : rfc3339(now),
  };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

const KUBELET_CONDITIONS = new Set(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);

export function generatePodStatus(i: StatusInputs): PodStatus {
  const pod = i.pod;
  const previous = pod.status;
  const initSpecs = pod.spec?.initContainers ?? [];
  const initStatuses = initSpecs.map((c) => containerStatus(i, c, 'PodInitializing', true));
  const initialized = initSpecs.every((c, n) => c.restartPolicy === 'Always' ? initStatuses[n]?.started === true : initStatuses[n]?.state?.terminated?.exitCode === 0);
  const appStatuses = (pod.spec?.containers ?? []).map((c) => containerStatus(i, c, initialized ? 'ContainerCreating' : 'PodInitializing', false));
  let phase = podPhase(pod, initStatuses, appStatuses, i.terminal);
  if (previous?.phase === 'Succeeded' || previous?.phase === 'Failed') phase = previous.phase;

  const incomplete = initSpecs.filter((c, n) => !(c.restartPolicy === 'Always' ? initStatuses[n]?.started : initStatuses[n]?.state?.terminated?.exitCode === 0)).map((c) => c.name);
  const sidecarsUnready = initSpecs.filter((c, n) => c.restartPolicy === 'Always' && !initStatuses[n]?.ready).map((c) => c.name);
  const unready = [...sidecarsUnready, ...appStatuses.filter((s) => !s.ready).map((s) => s.name)];
  const completed = phase === 'Succeeded';
  const list = (names: string[]): string => `[${names.join(' ')}]`;
  const conditions: PodCondition[] = [
    condition('PodReadyToStartContainers', i.sandbox?.state === 'ready' && !i.terminal, previous, i.now),
    completed
      ? condition('Initialized', true, previous, i.now, 'PodCompleted')
      : condition('Initialized', initialized, previous, i.now, initialized ? undefined : 'ContainersNotInitialized', initialized ? undefined : `containers with incomplete status: ${list(incomplete)}`),
  ];
  const readyReason = completed ? 'PodCompleted' : 'ContainersNotReady';
  const readyMessage = completed ? undefined : `containers with unready status: ${list(unready)}`;
  const allReady = unready.length === 0 && !completed && phase === 'Running';
  const gatesOk = (pod.spec?.readinessGates ?? []).every((g) => previous?.conditions?.some((c) => c.type === g.conditionType && c.status === 'True'));
  conditions.push(
    condition('Ready', allReady && gatesOk, previous, i.now, allReady && gatesOk ? undefined : allReady ? 'ReadinessGatesNotReady' : readyReason, allReady && gatesOk ? undefined : allReady ? 'corresponding condition of pod readiness gate is not true' : readyMessage),
    condition('ContainersReady', allReady, previous, i.now, allReady ? undefined : readyReason, allReady ? undefined : readyMessage),
    condition('PodScheduled', true, previous, i.now),
  );
  for (const c of previous?.conditions ?? []) if (!KUBELET_CONDITIONS.has(c.type)) conditions.push(c);

  const status: PodStatus = { phase, conditions, hostIP: i.hostIP, hostIPs: [{ ip: i.hostIP }] };
  // A stopped sandbox has no address any more: the pod keeps the one it had, as in Kubernetes.
  // A sandbox without one of its own shares the node's network (hostNetwork, the process runtime).
  const podIP = i.sandbox?.ip || previous?.podIP || i.knownPodIP || (i.sandbox ? i.hostIP : undefined);
  if (podIP) {
    status.podIP = podIP;
    status.podIPs = podIP === previous?.podIP && previous.podIPs ? previous.podIPs : [{ ip: podIP }];
  }
  status.startTime = previous?.startTime ?? rfc3339(i.startTime);
  if (initStatuses.length > 0) status.initContainerStatuses = initStatuses;
  status.containerStatuses = appStatuses;
  // Ephemeral containers have no probes: never ready; they count for neither phase nor readiness.
  const ephemeral = pod.spec?.ephemeralContainers ?? [];
  if (ephemeral.length > 0) status.ephemeralContainerStatuses = ephemeral.map((c) => ({ ...containerStatus(i, c, 'ContainerCreating', false), ready: false }));
  status.qosClass = previous?.qosClass ?? 'BestEffort';
  if ((phase === 'Failed' || phase === 'Succeeded') && previous?.reason) {
    status.reason = previous.reason;
    if (previous.message) status.message = previous.message;
  }
  return status;
}
