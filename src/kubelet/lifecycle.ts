// Container lifecycle hooks and stopping containers gracefully: postStart after a start (a
// failure kills the container), preStop before a stop, then SIGTERM and SIGKILL once the grace
// period (what preStop left of it, at least 2 s as in Kubernetes) has passed.
import type { Container, LifecycleHandler, Pod } from 'kubernetes-types/core/v1.js';
import type { EventRecorder } from './events.js';
import { runProbe } from './probes/prober.js';
import type { ContainerRuntime } from './runtime/runtime.js';

export const MINIMUM_GRACE_PERIOD_SECONDS = 2;

export interface HookTarget {
  runtime: ContainerRuntime;
  containerId: string;
  container: Container;
  host: string;
}

/** Runs one hook; resolves with an error message when it failed, undefined when it succeeded. */
export async function runHook(handler: LifecycleHandler, t: HookTarget, timeoutSeconds: number): Promise<string | undefined> {
  if (handler.sleep) {
    await new Promise((r) => setTimeout(r, Math.min(handler.sleep?.seconds ?? 0, timeoutSeconds) * 1000));
    return undefined;
  }
  const probe = { exec: handler.exec, httpGet: handler.httpGet, tcpSocket: handler.tcpSocket, timeoutSeconds: Math.max(1, Math.ceil(timeoutSeconds)) };
  const outcome = await runProbe(probe, { runtime: t.runtime, containerId: t.containerId, container: t.container, host: t.host });
  if (outcome.result === 'success') return undefined;
  if (handler.exec) return `Exec lifecycle hook (${JSON.stringify(handler.exec.command ?? [])}) for Container "${t.container.name}" failed - error: ${outcome.output}`;
  return `HTTP lifecycle hook (${handler.httpGet?.path ?? '/'}) for Container "${t.container.name}" failed - error: ${outcome.output}`;
}

export interface KillRequest {
  pod: Pod;
  target: HookTarget;
  gracePeriodSeconds: number;
  /** Event message; default "Stopping container <name>". */
  message?: string;
  recorder: EventRecorder;
}

/** preStop (bounded by the grace period), then stop with whatever grace is left. */
export async function killContainer(k: KillRequest): Promise<void> {
  const started = Date.now();
  const grace = Math.max(MINIMUM_GRACE_PERIOD_SECONDS, k.gracePeriodSeconds);
  k.recorder.podEvent(k.pod, 'Normal', 'Killing', k.message ?? `Stopping container ${k.target.container.name}`);
  const preStop = k.target.container.lifecycle?.preStop;
  if (preStop) {
    const failed = await Promise.race([
      runHook(preStop, k.target, grace),
      new Promise<string>((r) => setTimeout(() => r('timeout'), grace * 1000).unref()),
    ]);
    if (failed && failed !== 'timeout') k.recorder.podEvent(k.pod, 'Warning', 'FailedPreStopHook', failed);
  }
  const left = Math.max(MINIMUM_GRACE_PERIOD_SECONDS, Math.ceil(grace - (Date.now() - started) / 1000));
  await k.target.runtime.stopContainer(k.target.containerId, left);
}
