// The Deployment controller: owns ReplicaSets named `<deployment>-<pod-template-hash>`, rolls
// from old to new by the strategy (rolling.ts, recreate.ts), scales proportionally, keeps
// revisions and conditions so `kubectl rollout status|history|undo|restart|pause` work as
// against Kubernetes.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { deepCopy } from '../../api/object.js';
import { labelSelectorFromObject, type LabelMatcher } from '../../api/selectors/labels.js';
import { objectKey } from '../../informer/cache.js';
import { NAMESPACE_INDEX, OWNER_UID_INDEX } from '../../informer/indexers.js';
import type { Informer } from '../../informer/informer.js';
import { runWorkers, type ReconcileResult } from '../../informer/workers.js';
import { WorkQueue } from '../../informer/workqueue.js';
import type { Logger } from '../../log.js';
import type { Controller, ControllerContext, ControllerFactory } from '../controller.js';
import { requeueOnConflict } from '../shared/conflict.js';
import { controllerRefOf, recheckOwner } from '../shared/ownership.js';
import { requireResource } from '../shared/resources.js';
import { SelectorCache } from '../shared/selectors.js';
import { claimReplicaSets } from './ownership.js';
import { rolloutRecreate } from './recreate.js';
import { rolloutRolling } from './rolling.js';
import { DeploymentSync } from './sync.js';

/** ReplicaSets without a controller, filed by namespace: the adoption candidates. */
const ORPHANS_BY_NAMESPACE = 'orphanNamespace';

const DEPLOYMENTS = requireResource('apps', 'v1', 'deployments');
const REPLICASETS = requireResource('apps', 'v1', 'replicasets');
const PODS = requireResource('', 'v1', 'pods');

export interface DeploymentControllerOptions {
  /** Told after every reconcile (benchmarks count them). */
  onReconcile?: (key: string) => void;
}

export function createDeploymentController(options: DeploymentControllerOptions = {}): ControllerFactory {
  return (ctx) => new DeploymentController(ctx, options);
}

export const deploymentController: ControllerFactory = createDeploymentController();

class DeploymentController implements Controller {
  readonly name = 'deployment';
  private readonly log: Logger;
  private readonly queue: WorkQueue;
  private readonly selectors: SelectorCache<Deployment>;
  private deployments!: Informer<Deployment>;
  private replicaSets!: Informer<ReplicaSet>;
  private pods!: Informer<Pod>;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly options: DeploymentControllerOptions,
  ) {
    this.log = ctx.log.child('deployment');
    this.selectors = new SelectorCache((d) => labelSelectorFromObject(d.spec?.selector), this.log);
    this.queue = new WorkQueue({ clock: ctx.clock });
  }

  async run(signal: AbortSignal): Promise<void> {
    this.deployments = this.ctx.informers.informerFor<Deployment>(DEPLOYMENTS);
    this.replicaSets = this.ctx.informers.informerFor<ReplicaSet>(REPLICASETS, {
      indexers: { [ORPHANS_BY_NAMESPACE]: (rs) => (controllerRefOf(rs) ? [] : [rs.metadata?.namespace ?? '']) },
    });
    this.pods = this.ctx.informers.informerFor<Pod>(PODS);
    const removers = [
      this.deployments.addEventHandler({
        onAdd: (d) => this.queue.add(objectKey(d)),
        onUpdate: (_old, cur) => this.queue.add(objectKey(cur)),
        onDelete: (d) => this.queue.add(objectKey(d)),
      }),
      this.replicaSets.addEventHandler({
        onAdd: (rs) => this.replicaSetChanged(undefined, rs),
        onUpdate: (old, cur) => this.replicaSetChanged(old, cur),
        onDelete: (rs) => this.enqueueOwner(rs),
      }),
      this.pods.addEventHandler({ onDelete: (pod) => this.podDeleted(pod) }),
    ];
    try {
      if (!(await this.ctx.informers.waitForSync(signal))) return;
      await runWorkers(this.queue, (key) => this.reconcile(key), { workers: this.ctx.options.workers, signal, log: this.log });
    } finally {
      for (const remove of removers) remove();
    }
  }

  // ---- event handlers ----

  private replicaSetChanged(old: ReplicaSet | undefined, cur: ReplicaSet): void {
    if (old && old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const oldRef = old && controllerRefOf(old);
    const curRef = controllerRefOf(cur);
    if (old && oldRef && oldRef.uid !== curRef?.uid) this.enqueueOwner(old);
    if (curRef) {
      this.enqueueOwner(cur);
      return;
    }
    // An orphan: whoever selects it may adopt it.
    const labelsChanged = !old || JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(cur.metadata?.labels ?? {});
    if (labelsChanged || oldRef) for (const d of this.deploymentsSelecting(cur)) this.queue.add(objectKey(d));
  }

  private enqueueOwner(rs: ReplicaSet): void {
    const d = this.ownerOf(rs);
    if (d) this.queue.add(objectKey(d));
  }

  /** Recreate waits for old pods to go: their deletion is what lets it continue. */
  private podDeleted(pod: Pod): void {
    const ref = controllerRefOf(pod);
    if (ref?.kind !== 'ReplicaSet') return;
    const rs = this.replicaSets.cache.get(`${pod.metadata?.namespace ?? ''}/${ref.name}`);
    if (!rs || rs.metadata?.uid !== ref.uid) return;
    const d = this.ownerOf(rs);
    if (d?.spec?.strategy?.type === 'Recreate') this.queue.add(objectKey(d));
  }

  private ownerOf(rs: ReplicaSet): Deployment | undefined {
    const ref = controllerRefOf(rs);
    if (ref?.kind !== 'Deployment') return undefined;
    const d = this.deployments.cache.get(`${rs.metadata?.namespace ?? ''}/${ref.name}`);
    return d?.metadata?.uid === ref.uid ? d : undefined;
  }

  private deploymentsSelecting(rs: ReplicaSet): Deployment[] {
    const ns = rs.metadata?.namespace ?? '';
    return this.selectors.selecting(this.deployments.cache.byIndex(NAMESPACE_INDEX, ns), rs.metadata?.labels);
  }

  // ---- reconcile (Kubernetes' syncDeployment) ----

  /** A 409 means our cache is behind a write: it is retried shortly, without the error backoff. */
  private async reconcile(key: string): Promise<ReconcileResult> {
    try {
      return await requeueOnConflict(() => this.syncDeployment(key), { key, log: this.log });
    } finally {
      this.options.onReconcile?.(key);
    }
  }

  private async syncDeployment(key: string): Promise<ReconcileResult> {
    const cached = this.deployments.cache.get(key);
    if (!cached) return;
    const d = deepCopy(cached);
    const sync = new DeploymentSync(
      {
        client: this.ctx.client,
        deployments: DEPLOYMENTS,
        replicaSets: REPLICASETS,
        recorder: this.ctx.recorder,
        log: this.log,
        nowMs: () => Date.now(),
        cachedReplicaSet: (k) => this.replicaSets.cache.get(k),
      },
      d,
    );
    const selector = this.selectors.of(cached);
    if (!selector) return;
    if (selector.empty) {
      this.ctx.recorder.event(cached, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        d.status = { ...d.status, observedGeneration: d.metadata?.generation };
        await sync.writeStatus();
      }
      return;
    }
    const rsList = await this.claimedReplicaSets(d, selector);
    if (d.metadata?.deletionTimestamp) {
      const { newRS, oldRSs } = await sync.newAndOld(rsList, { create: false });
      await sync.syncStatus([...oldRSs, newRS], newRS);
      return;
    }
    await sync.checkPausedConditions();
    if (d.spec?.paused) {
      await sync.syncScaling(rsList);
      return;
    }
    if (await sync.isScalingEvent(rsList)) {
      await sync.syncScaling(rsList);
      return;
    }
    if (d.spec?.strategy?.type === 'Recreate') return rolloutRecreate(sync, rsList, this.podsByReplicaSet(rsList, selector));
    return rolloutRolling(sync, rsList);
  }

  private async claimedReplicaSets(d: Deployment, selector: LabelMatcher): Promise<ReplicaSet[]> {
    const ns = d.metadata?.namespace ?? '';
    // Owned or orphaned: ReplicaSets of other controllers are never claimed.
    const candidates = [
      ...this.replicaSets.cache.byIndex(OWNER_UID_INDEX, d.metadata?.uid ?? ''),
      ...this.replicaSets.cache.byIndex(ORPHANS_BY_NAMESPACE, ns),
    ];
    return claimReplicaSets(candidates, {
      deployment: d,
      selector,
      replicaSets: this.ctx.client.resource<ReplicaSet>(REPLICASETS, ns),
      canAdopt: () => recheckOwner(this.ctx.client.resource<Deployment>(DEPLOYMENTS, ns), d),
    });
  }

  /** The Deployment's pods (matching its selector) grouped by the uid of their ReplicaSet. */
  private podsByReplicaSet(rsList: readonly ReplicaSet[], selector: LabelMatcher): Map<string, Pod[]> {
    const out = new Map<string, Pod[]>();
    for (const rs of rsList) {
      const uid = rs.metadata?.uid ?? '';
      out.set(uid, this.pods.cache.byIndex(OWNER_UID_INDEX, uid).filter((p) => selector.matches(p.metadata?.labels)));
    }
    return out;
  }
}
