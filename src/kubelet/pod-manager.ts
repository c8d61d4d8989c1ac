// The pods bound to this node, from the API: an informer on pods with the field selector
// spec.nodeName=<node> (one watch per node, as the real kubelet), or a share of one informer
// over all bound pods when many simulated nodes run in one process.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../client/client.js';
import type { Clock } from '../informer/clock.js';
import { Informer } from '../informer/informer.js';
import type { Logger } from '../log.js';

export interface PodHandlers {
  upsert(pod: Pod): void;
  remove(pod: Pod): void;
}

/** Where a kubelet learns of its pods. Handlers see each pod's latest state; objects are read-only. */
export interface PodFeed {
  subscribe(handlers: PodHandlers): () => void;
  waitForSync(signal: AbortSignal): Promise<boolean>;
}

const PODS = { group: '', version: 'v1', resource: 'pods' } as const;

function podInformer(client: ApiClient, fieldSelector: string, clock: Clock, log: Logger): Informer<Pod> {
  return new Informer<Pod>({ name: 'pods', source: client.resource<Pod>(PODS), fieldSelector, freeze: 'none', clock, log });
}

/** One node's pods through its own watch; runs until `signal` aborts. */
export function nodePodFeed(o: { client: ApiClient; nodeName: string; clock: Clock; log: Logger; signal: AbortSignal }): PodFeed {
  const informer = podInformer(o.client, `spec.nodeName=${o.nodeName}`, o.clock, o.log);
  informer.run(o.signal).catch((err: unknown) => o.log.error(`pod informer stopped: ${String(err)}`));
  return {
    subscribe: (h) =>
      informer.addEventHandler({
        onAdd: (pod) => h.upsert(pod),
        onUpdate: (_old, pod) => h.upsert(pod),
        onDelete: (pod) => h.remove(pod),
      }),
    waitForSync: (signal) => informer.waitForSync(signal),
  };
}

/** Pods of many nodes through one watch of every bound pod, handed to each node's subscriber. */
export class SharedPodFeeds {
  private readonly informer: Informer<Pod>;
  private readonly byNode = new Map<string, Set<PodHandlers>>();

  constructor(o: { client: ApiClient; clock: Clock; log: Logger; signal: AbortSignal }) {
    this.informer = podInformer(o.client, 'spec.nodeName!=', o.clock, o.log);
    const forPod = (pod: Pod): Set<PodHandlers> => this.byNode.get(pod.spec?.nodeName ?? '') ?? new Set();
    this.informer.addEventHandler({
      onAdd: (pod) => forPod(pod).forEach((h) => h.upsert(pod)),
      onUpdate: (_old, pod) => forPod(pod).forEach((h) => h.upsert(pod)),
      onDelete: (pod) => forPod(pod).forEach((h) => h.remove(pod)),
    });
    this.informer.run(o.signal).catch((err: unknown) => o.log.error(`pod informer stopped: ${String(err)}`));
  }

  feedFor(nodeName: string): PodFeed {
    return {
      subscribe: (h) => {
        let set = this.byNode.get(nodeName);
        if (!set) {
          set = new Set();
          this.byNode.set(nodeName, set);
        }
        set.add(h);
        for (const pod of this.informer.cache.list()) if (pod.spec?.nodeName === nodeName) h.upsert(pod);
        return () => set.delete(h);
      },
      waitForSync: (signal) => this.informer.waitForSync(signal),
    };
  }
}
