// A stand-in kubelet for tests and benchmarks (never used by the controller): pods that appear
// are reported Running and Ready shortly after, and pods marked for deletion are removed
// (deleted with grace period 0), as a kubelet finishing their termination would.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import { findResource } from '../../api/resources.js';
import type { ApiClient } from '../../client/client.js';
import type { SharedInformerFactory } from '../../informer/shared.js';

export interface FakeKubeletOptions {
  /** Delay before a new pod is reported ready (default 10 ms). */
  readyAfterMs?: number;
  /** Pods for which this is false stay Pending and never become ready. */
  becomesReady?: (pod: Pod) => boolean;
  /** Called when a status or delete call fails for good after retries (default: ignored). */
  onError?: (err: unknown) => void;
}

export interface FakeKubelet {
  stop(): void;
  /** Pods reported ready so far. */
  readonly readied: number;
}

export function startFakeKubelet(client: ApiClient, informers: SharedInformerFactory, options: FakeKubeletOptions = {}): FakeKubelet {
  const pods = findResource('', 'v1', 'pods');
  if (!pods) throw new Error('pods missing from the resource table');
  const readyAfterMs = options.readyAfterMs ?? 10;
  const timers = new Set<NodeJS.Timeout>();
  const seen = new Set<string>();
  let stopped = false;
  let readied = 0;
  const fail = (err: unknown): void => options.onError?.(err);
  /** A few attempts, as a kubelet would keep trying; a 404 means the pod is gone: done. */
  const retried = async (call: () => Promise<unknown>): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      try {
        await call();
        return;
      } catch (err) {
        if (err instanceof ApiError && err.code === 404) return;
        if (stopped || attempt >= 4) throw err;
        await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      }
    }
  };

  const markReady = async (pod: Pod): Promise<void> => {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const status = {
      phase: 'Running',
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
        { type: 'Initialized', status: 'True', lastTransitionTime: now },
        { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
        { type: 'Ready', status: 'True', lastTransitionTime: now },
      ],
      startTime: now,
      containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
        name: c.name,
        image: c.image ?? '',
        imageID: '',
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: now } },
      })),
    };
    // As a kubelet does, the answer (the whole pod) is not read: the informer sees the change.
    await retried(() => client.resource<Pod>(pods, pod.metadata?.namespace).patchOnly(pod.metadata?.name ?? '', 'merge', { status }, { subresource: 'status' }));
    readied++;
  };

  const observe = (pod: Pod): void => {
    if (stopped) return;
    const key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}/${pod.metadata?.uid ?? ''}`;
    if (pod.metadata?.deletionTimestamp) {
      if (seen.has(`deleting:${key}`)) return;
      seen.add(`deleting:${key}`);
      const { name = '', namespace, uid = '' } = pod.metadata;
      retried(() => client.resource<Pod>(pods, namespace).delete(name, { gracePeriodSeconds: 0, preconditions: { uid } })).catch(fail);
      return;
    }
    if (seen.has(key) || pod.status?.phase === 'Running' || !(options.becomesReady?.(pod) ?? true)) return;
    seen.add(key);
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!stopped) markReady(pod).catch(fail);
    }, readyAfterMs);
    timers.add(timer);
  };

  const remove = informers.informerFor<Pod>(pods).addEventHandler({
    onAdd: (p) => observe(p),
    onUpdate: (_old, p) => observe(p),
  });
  return {
    stop() {
      stopped = true;
      remove();
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
    get readied() {
      return readied;
    },
  };
}
