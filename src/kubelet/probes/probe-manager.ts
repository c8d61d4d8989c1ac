// Probe workers: one per (running container, probe kind). Results flip only after
// successThreshold/failureThreshold consecutive outcomes; readiness starts failed, liveness
// successful, startup unknown, and while a startup probe has not succeeded the other two do not
// run. A changed result asks the pod to sync (Ready condition, or a liveness restart).
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.js';
import type { EventRecorder } from '../events.js';
import type { Clock, Timer } from '../../informer/clock.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { runProbe } from './prober.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

export interface ContainerProbeState {
  /** True once the startup probe succeeded (or when there is none). */
  started: boolean;
  /** Readiness probe passing (true when there is none). */
  ready: boolean;
  /** A liveness or startup probe failed: the container must be restarted. */
  failedProbe: 'liveness' | 'startup' | undefined;
}

interface Worker {
  kind: ProbeKind;
  probe: Probe;
  result: 'success' | 'failure' | 'unknown';
  successes: number;
  failures: number;
  timer: Timer | undefined;
  running: boolean;
  lastOutput: string;
}

interface ContainerProbes {
  podUid: string;
  pod: Pod;
  container: Container;
  containerId: string;
  host: string;
  workers: Worker[];
  stopped: boolean;
}

const LABEL: Record<ProbeKind, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

export class ProbeManager {
  private readonly byContainer = new Map<string, ContainerProbes>();

  constructor(
    private readonly o: {
      runtime: ContainerRuntime;
      clock: Clock;
      recorder: EventRecorder;
      onChange(podUid: string): void;
    },
  ) {}

  /** Probe state for a running container; containers without workers are started and ready. */
  state(containerId: string): ContainerProbeState {
    const c = this.byContainer.get(containerId);
    const w = (k: ProbeKind): Worker | undefined => c?.workers.find((x) => x.kind === k);
    const startup = w('startup');
    const readiness = w('readiness');
    const liveness = w('liveness');
    return {
      started: !startup || startup.result === 'success',
      ready: !readiness || readiness.result === 'success',
      failedProbe: liveness?.result === 'failure' ? 'liveness' : startup?.result === 'failure' ? 'startup' : undefined,
    };
  }

  /**
   * Makes the probed set match the pod's running containers: new container ids get fresh
   * workers (first run after initialDelaySeconds from `startedAt`), vanished ones stop.
   */
  sync(pod: Pod, running: { name: string; id: string; startedAt: number; container: Container }[], host: string): void {
    const uid = pod.metadata?.uid ?? '';
    const live = new Set(running.map((r) => r.id));
    for (const [id, c] of this.byContainer) {
      if (c.podUid === uid && !live.has(id)) this.stop(id);
    }
    for (const r of running) {
      const existing = this.byContainer.get(r.id);
      if (existing) {
        existing.pod = pod;
        continue;
      }
      const workers: Worker[] = [];
      const add = (kind: ProbeKind, probe: Probe | undefined): void => {
        if (probe) workers.push({ kind, probe, result: kind === 'liveness' ? 'success' : kind === 'readiness' ? 'failure' : 'unknown', successes: 0, failures: 0, timer: undefined, running: false, lastOutput: '' });
      };
      add('startup', r.container.startupProbe);
      add('liveness', r.container.livenessProbe);
      add('readiness', r.container.readinessProbe);
      if (workers.length === 0) continue;
      const cp: ContainerProbes = { podUid: uid, pod, container: r.container, containerId: r.id, host, workers, stopped: false };
      this.byContainer.set(r.id, cp);
      const now = this.o.clock.now();
      for (const w of workers) {
        const firstAt = r.startedAt + (w.probe.initialDelaySeconds ?? 0) * 1000;
        this.schedule(cp, w, Math.max(0, firstAt - now));
      }
    }
  }

  removePod(uid: string): void {
    for (const [id, c] of this.byContainer) if (c.podUid === uid) this.stop(id);
  }

  stopAll(): void {
    for (const id of [...this.byContainer.keys()]) this.stop(id);
  }

  private stop(id: string): void {
    const c = this.byContainer.get(id);
    if (!c) return;
    c.stopped = true;
    for (const w of c.workers) w.timer?.cancel();
    this.byContainer.delete(id);
  }

  private schedule(c: ContainerProbes, w: Worker, ms: number): void {
    w.timer = this.o.clock.setTimer(ms, () => {
      w.timer = undefined;
      void this.tick(c, w);
    });
  }

  private async tick(c: ContainerProbes, w: Worker): Promise<void> {
    if (c.stopped || w.running) return;
    const period = Math.max(1, w.probe.periodSeconds ?? 10) * 1000;
    const startup = c.workers.find((x) => x.kind === 'startup');
    const gated = w.kind !== 'startup' && startup !== undefined && startup.result !== 'success';
    // A liveness or startup failure stays failed until the container is replaced; a passed startup probe is done.
    const finished = (w.kind !== 'readiness' && w.result === 'failure') || (w.kind === 'startup' && w.result === 'success');
    if (!gated && !finished) {
      w.running = true;
      const outcome = await runProbe(w.probe, { runtime: this.o.runtime, containerId: c.containerId, container: c.container, host: c.host });
      w.running = false;
      if (c.stopped) return;
      this.record(c, w, outcome.result, outcome.output);
    }
    if (!c.stopped) this.schedule(c, w, period);
  }

  private record(c: ContainerProbes, w: Worker, r: 'success' | 'failure', output: string): void {
    const before = w.result;
    if (r === 'success') {
      w.failures = 0;
      w.successes++;
      if (w.successes >= Math.max(1, w.probe.successThreshold ?? 1)) w.result = 'success';
    } else {
      w.successes = 0;
      w.failures++;
      w.lastOutput = output;
      this.o.recorder.podEvent(c.pod, 'Warning', 'Unhealthy', `${LABEL[w.kind]} probe failed: ${output}`);
      if (w.failures >= Math.max(1, w.probe.failureThreshold ?? 3)) w.result = 'failure';
    }
    if (w.result !== before) {
      if (w.kind === 'startup' && w.result === 'success') {
        // The gated probes start now rather than at their next period.
        for (const other of c.workers) if (other !== w) {
          other.timer?.cancel();
          this.schedule(c, other, 0);
        }
      }
      this.o.onChange(c.podUid);
    }
  }
}
