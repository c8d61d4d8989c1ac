// The NoExecute taint manager: pods on a node with NoExecute taints they do not tolerate are
// deleted at once; pods tolerating them for tolerationSeconds are deleted that long after the
// taints were first seen (by this controller's clock). Before deletion the pod gets the
// DisruptionTarget condition, as Kubernetes v1.33 does.
import type { Node, Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import { deepCopy } from '../../api/object.js';
import { splitKey } from '../../informer/cache.js';
import type { Informer } from '../../informer/informer.js';
import type { ReconcileResult } from '../../informer/workers.js';
import type { ControllerContext } from '../controller.js';
import { evictionDecision } from './tolerations.js';

const PODS = { group: '', version: 'v1', resource: 'pods' };

export interface TaintManagerCaches {
  nodes: Informer<Node>;
  pods: Informer<Pod>;
}

export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.[0-9]+Z$/, 'Z');
}

export class TaintManager {
  /** pod key → clock time the pod was first seen under NoExecute taints it tolerates for a while. */
  private readonly since = new Map<string, number>();

  constructor(
    private readonly ctx: ControllerContext,
    private readonly caches: TaintManagerCaches,
  ) {}

  forget(podKey: string): void {
    this.since.delete(podKey);
  }

  async reconcile(podKey: string): Promise<ReconcileResult> {
    const pod = this.caches.pods.cache.get(podKey);
    const nodeName = pod?.spec?.nodeName;
    if (!pod || !nodeName || pod.metadata?.deletionTimestamp || isTerminal(pod)) {
      this.since.delete(podKey);
      return;
    }
    const node = this.caches.nodes.cache.get(nodeName);
    const decision = evictionDecision(node?.spec?.taints ?? [], pod.spec?.tolerations ?? []);
    switch (decision.kind) {
      case 'none':
      case 'never':
        if (this.since.delete(podKey)) this.ctx.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${podKey}`);
        return;
      case 'after': {
        const now = this.ctx.clock.now();
        let start = this.since.get(podKey);
        if (start === undefined) this.since.set(podKey, (start = now));
        const due = start + decision.ms;
        if (now < due) return { requeueAfterMs: due - now };
        break;
      }
      case 'now':
        break;
    }
    await this.evict(pod, podKey);
    this.since.delete(podKey);
    return;
  }

  private async evict(pod: Pod, podKey: string): Promise<void> {
    const { namespace, name } = splitKey(podKey);
    const client = this.ctx.client.resource<Pod>(PODS, namespace);
    this.ctx.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${podKey}`);
    try {
      await client.updateStatus(withDisruptionTarget(pod));
      await client.delete(name, { preconditions: { uid: pod.metadata?.uid } });
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return;
      throw err;
    }
  }
}

function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

function withDisruptionTarget(pod: Pod): Pod {
  const next = deepCopy(pod);
  const condition: PodCondition = {
    type: 'DisruptionTarget',
    status: 'True',
    reason: 'DeletionByTaintManager',
    message: 'Taint manager: deleting due to NoExecute taint',
    lastTransitionTime: rfc3339(new Date()),
  };
  return { ...next, status: { ...next.status, conditions: [...(next.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'), condition] } };
}
