// One sync of one Deployment: the steps Kubernetes' deployment controller shares between its
// strategies — find or create the new ReplicaSet, scale (proportionally when the Deployment is
// resized mid-rollout), clean up old ReplicaSets, and write status. `d` is a private copy that
// the steps update as they write, as Kubernetes does.
import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { ApiError } from '../../api/errors.js';
import { deepCopy } from '../../api/object.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { ApiClient } from '../../client/client.js';
import type { ResourceClient } from '../../client/resource-client.js';
import type { EventRecorder } from '../../events/recorder.js';
import type { ReconcileResult } from '../../informer/workers.js';
import type { Logger } from '../../log.js';
import { controllerRefOf, newControllerRef } from '../shared/ownership.js';
import {
  calculateStatus,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  getCondition,
  hasProgressDeadline,
  hasRevisionHistoryLimit,
  newCondition,
  Reasons,
  removeCondition,
  setCondition,
} from './conditions.js';
import { desiredReplicas, isRollingUpdate, maxSurge, scaledValue } from './fenceposts.js';
import { DEPLOYMENT_KIND } from './ownership.js';
import { canonicalJson, computeHash, equalIgnoreHash, POD_TEMPLATE_HASH_LABEL } from './pod-template-hash.js';
import {
  activeReplicaSets,
  byCreation,
  byRevision,
  bySizeNewer,
  bySizeOlder,
  desiredReplicasOf,
  findNewReplicaSet,
  findOldReplicaSets,
  maxReplicasOf,
  maxRevision,
  replicaCount,
  replicasAnnotationsNeedUpdate,
  REVISION_ANNOTATION,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  specReplicas,
} from './replica-sets.js';

export interface SyncDeps {
  client: ApiClient;
  deployments: ResourceInfo;
  replicaSets: ResourceInfo;
  recorder: EventRecorder;
  log: Logger;
  /** Wall time, epoch ms: condition timestamps and the progress deadline. */
  nowMs(): number;
  /** The cached ReplicaSet `namespace/name`, if any. */
  cachedReplicaSet(key: string): ReplicaSet | undefined;
}

export interface ScaleResult {
  scaled: boolean;
  rs: ReplicaSet;
}

export class DeploymentSync {
  private readonly rsClient: ResourceClient<ReplicaSet>;
  private readonly dClient: ResourceClient<Deployment>;

  constructor(
    readonly deps: SyncDeps,
    readonly d: Deployment,
  ) {
    const ns = d.metadata?.namespace;
    this.rsClient = deps.client.resource<ReplicaSet>(deps.replicaSets, ns);
    this.dClient = deps.client.resource<Deployment>(deps.deployments, ns);
  }

  get name(): string {
    return this.d.metadata?.name ?? '';
  }

  /** The new ReplicaSet (created when asked and missing) and all the old ones. */
  async newAndOld(rsList: readonly ReplicaSet[], options: { create: boolean }): Promise<{ newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }> {
    const oldRSs = findOldReplicaSets(this.d, rsList);
    const newRS = await this.getNewReplicaSet(rsList, oldRSs, options);
    return { newRS, oldRSs };
  }

  /**
   * The ReplicaSet whose template is the Deployment's, with its revision raised above every old
   * one (a rollback reuses the old ReplicaSet this way); created with the pod-template-hash when
   * there is none and `create` is set.
   */
  private async getNewReplicaSet(rsList: readonly ReplicaSet[], oldRSs: ReplicaSet[], options: { create: boolean }): Promise<ReplicaSet | undefined> {
    const d = this.d;
    const existing = findNewReplicaSet(d, rsList);
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing) {
      const copy = deepCopy(existing);
      const annotationsChanged = setNewReplicaSetAnnotations(d, copy, newRevision, { exists: true, maxSurge: maxSurge(d) });
      const minReady = d.spec?.minReadySeconds ?? 0;
      if (annotationsChanged || (copy.spec?.minReadySeconds ?? 0) !== minReady) {
        if (copy.spec) copy.spec.minReadySeconds = minReady;
        return this.rsClient.update(copy);
      }
      let needsUpdate = this.setRevision(copy.metadata?.annotations?.[REVISION_ANNOTATION] ?? '');
      if (hasProgressDeadline(d) && !getCondition(d.status, 'Progressing')) {
        const status = (d.status ??= {});
        setCondition(status, newCondition('Progressing', 'True', Reasons.foundNewReplicaSet, `Found new replica set "${copy.metadata?.name ?? ''}"`, this.deps.nowMs()));
        needsUpdate = true;
      }
      if (needsUpdate) await this.writeStatus();
      return copy;
    }
    if (!options.create) return undefined;
    return this.createNewReplicaSet(oldRSs, newRevision);
  }

  private async createNewReplicaSet(oldRSs: ReplicaSet[], newRevision: number): Promise<ReplicaSet> {
    const d = this.d;
    const template = deepCopy(d.spec?.template ?? {});
    const hash = computeHash(template, d.status?.collisionCount);
    const labels = { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash };
    template.metadata = { ...template.metadata, labels };
    const selector = deepCopy(d.spec?.selector ?? {});
    selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash };
    const minReady = d.spec?.minReadySeconds ?? 0;
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${this.name}-${hash}`,
        namespace: d.metadata?.namespace,
        labels,
        ownerReferences: [newControllerRef(DEPLOYMENT_KIND, d)],
      },
      spec: { replicas: 0, ...(minReady ? { minReadySeconds: minReady } : {}), selector, template },
    };
    const replicas = newReplicasForNewRS(d, [...oldRSs, rs], rs);
    if (rs.spec) rs.spec.replicas = replicas;
    setNewReplicaSetAnnotations(d, rs, newRevision, { exists: false, maxSurge: maxSurge(d) });
    let created: ReplicaSet;
    let alreadyExisted = false;
    try {
      created = await this.rsClient.create(rs);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.reason === 'AlreadyExists') {
        const found = this.deps.cachedReplicaSet(`${d.metadata?.namespace ?? ''}/${rs.metadata?.name ?? ''}`);
        const ref = found && controllerRefOf(found);
        if (!found || ref?.uid !== d.metadata?.uid || !equalIgnoreHash(d.spec?.template, found.spec?.template)) {
          // A different ReplicaSet holds the name: hash again with a higher collision count.
          const status = (d.status ??= {});
          status.collisionCount = (status.collisionCount ?? 0) + 1;
          await this.writeStatus();
          this.deps.log.info(`${d.metadata?.namespace}/${this.name}: hash collision, collisionCount is now ${status.collisionCount}`);
          throw err;
        }
        created = found;
        alreadyExisted = true;
      } else if (err.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')) {
        throw err;
      } else {
        const message = `Failed to create new replica set "${rs.metadata?.name ?? ''}": ${err.message}`;
        if (hasProgressDeadline(d)) {
          setCondition((d.status ??= {}), newCondition('Progressing', 'False', Reasons.replicaSetCreateError, message, this.deps.nowMs()));
          await this.writeStatus();
        }
        this.deps.recorder.event(d, 'Warning', Reasons.replicaSetCreateError, message);
        throw err;
      }
    }
    if (!alreadyExisted && replicas > 0) {
      this.deps.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata?.name ?? ''} from 0 to ${replicas}`);
    }
    let needsUpdate = this.setRevision(String(newRevision));
    if (!alreadyExisted && hasProgressDeadline(d)) {
      setCondition((d.status ??= {}), newCondition('Progressing', 'True', Reasons.newReplicaSetCreated, `Created new replica set "${created.metadata?.name ?? ''}"`, this.deps.nowMs()));
      needsUpdate = true;
    }
    if (needsUpdate) await this.writeStatus();
    return created;
  }

  /** Sets the Deployment's revision annotation; true if it changed. */
  private setRevision(revision: string): boolean {
    const meta = (this.d.metadata ??= {});
    if (meta.annotations?.[REVISION_ANNOTATION] === revision) return false;
    meta.annotations = { ...meta.annotations, [REVISION_ANNOTATION]: revision };
    return true;
  }

  /** Scales to `newScale` if different, with "up"/"down" in the event. */
  async scaleAndRecord(rs: ReplicaSet, newScale: number): Promise<ScaleResult> {
    if (specReplicas(rs) === newScale) return { scaled: false, rs };
    return this.scaleReplicaSet(rs, newScale, specReplicas(rs) < newScale ? 'up' : 'down');
  }

  /** Writes spec.replicas and the replica annotations when either is out of date. */
  async scaleReplicaSet(rs: ReplicaSet, newScale: number, operation: string): Promise<ScaleResult> {
    const d = this.d;
    const desired = desiredReplicas(d);
    const max = desired + maxSurge(d);
    const sizeChanges = specReplicas(rs) !== newScale;
    if (!sizeChanges && !replicasAnnotationsNeedUpdate(rs, desired, max)) return { scaled: false, rs };
    const oldScale = specReplicas(rs);
    const copy = deepCopy(rs);
    copy.spec = { ...copy.spec, selector: copy.spec?.selector ?? {}, replicas: newScale };
    setReplicasAnnotations(copy, desired, max);
    const updated = await this.rsClient.update(copy);
    if (sizeChanges) {
      this.deps.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${operation} replica set ${updated.metadata?.name ?? ''} from ${oldScale} to ${newScale}`);
    }
    return { scaled: sizeChanges, rs: updated };
  }

  /**
   * Brings the total to spec.replicas (+ surge while rolling): one active ReplicaSet just takes
   * the size; a saturated new one means the old ones go to 0; otherwise the difference is shared
   * out in proportion to each ReplicaSet's size (Kubernetes' proportional scaling).
   */
  async scale(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
    const d = this.d;
    const replicas = desiredReplicas(d);
    const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest) {
      if (specReplicas(activeOrLatest) !== replicas) await this.scaleAndRecord(activeOrLatest, replicas);
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const old of activeReplicaSets(oldRSs)) await this.scaleAndRecord(old, 0);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const all = activeReplicaSets([...oldRSs, newRS]);
    const allowed = replicas > 0 ? replicas + maxSurge(d) : 0;
    const toAdd = allowed - replicaCount(all);
    let operation = '';
    if (toAdd > 0) {
      all.sort(bySizeNewer);
      operation = 'up';
    } else if (toAdd < 0) {
      all.sort(bySizeOlder);
      operation = 'down';
    }
    const sizes = new Map<string, number>();
    let added = 0;
    for (const rs of all) {
      const name = rs.metadata?.name ?? '';
      if (toAdd === 0) {
        sizes.set(name, specReplicas(rs));
        continue;
      }
      const proportion = this.proportion(rs, toAdd, added);
      sizes.set(name, specReplicas(rs) + proportion);
      added += proportion;
    }
    for (const [i, rs] of all.entries()) {
      const name = rs.metadata?.name ?? '';
      // Leftovers go to the largest ReplicaSet (first in the order).
      if (i === 0 && toAdd !== 0) sizes.set(name, Math.max(0, (sizes.get(name) ?? 0) + toAdd - added));
      await this.scaleReplicaSet(rs, sizes.get(name) ?? specReplicas(rs), operation);
    }
  }

  /** Kubernetes' GetProportion: this ReplicaSet's share of `toAdd`, within what is left. */
  private proportion(rs: ReplicaSet, toAdd: number, added: number): number {
    if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
    const fraction = this.fraction(rs);
    const allowed = toAdd - added;
    return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
  }

  /** How far this ReplicaSet moves when the Deployment goes from its annotated size to the new one. */
  private fraction(rs: ReplicaSet): number {
    const d = this.d;
    if (desiredReplicas(d) === 0) return -specReplicas(rs);
    const deploymentReplicas = desiredReplicas(d) + maxSurge(d);
    const annotated = maxReplicasOf(rs) ?? d.status?.replicas ?? 0;
    const size = (specReplicas(rs) * deploymentReplicas) / annotated;
    return roundHalfAwayFromZero(size) - specReplicas(rs);
  }

  /** Deletes the oldest ReplicaSets with no pods beyond revisionHistoryLimit. */
  async cleanup(oldRSs: ReplicaSet[]): Promise<void> {
    const d = this.d;
    if (!hasRevisionHistoryLimit(d)) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp);
    const diff = cleanable.length - (d.spec?.revisionHistoryLimit ?? 0);
    if (diff <= 0) return;
    cleanable.sort(byRevision);
    for (const rs of cleanable.slice(0, diff)) {
      if ((rs.status?.replicas ?? 0) !== 0 || specReplicas(rs) !== 0) continue;
      if ((rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await this.rsClient.delete(rs.metadata?.name ?? '');
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    }
  }

  /** Status from the ReplicaSets, written when it changed (scaling and paused syncs). */
  async syncStatus(all: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const next = calculateStatus(this.d, all, newRS, this.deps.nowMs());
    if (statusEqual(this.d.status, next)) return;
    this.d.status = next;
    await this.writeStatus();
  }

  /** Status plus the Progressing condition and ReplicaFailure, and when to look again for the deadline. */
  async syncRolloutStatus(all: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<ReconcileResult> {
    const d = this.d;
    const nowMs = this.deps.nowMs();
    const next = calculateStatus(d, all, newRS, nowMs);
    if (!hasProgressDeadline(d)) removeCondition(next, 'Progressing');
    const current = getCondition(d.status, 'Progressing');
    const complete = (next.replicas ?? 0) === (next.updatedReplicas ?? 0) && current?.reason === Reasons.newReplicaSetAvailable;
    if (hasProgressDeadline(d) && !complete) {
      const subject = newRS ? `ReplicaSet "${newRS.metadata?.name ?? ''}"` : `Deployment "${this.name}"`;
      if (deploymentComplete(d, next)) {
        setCondition(next, newCondition('Progressing', 'True', Reasons.newReplicaSetAvailable, `${subject} has successfully progressed.`, nowMs));
      } else if (deploymentProgressing(d, next)) {
        const condition = newCondition('Progressing', 'True', Reasons.replicaSetUpdated, `${subject} is progressing.`, nowMs);
        if (current) {
          if (current.status === 'True') condition.lastTransitionTime = current.lastTransitionTime;
          removeCondition(next, 'Progressing');
        }
        setCondition(next, condition);
      } else if (deploymentTimedOut(d, next, nowMs)) {
        setCondition(next, newCondition('Progressing', 'False', Reasons.progressDeadlineExceeded, `${subject} has timed out progressing.`, nowMs));
      }
    }
    const failure = replicaFailure(all, newRS);
    if (failure) setCondition(next, failure);
    else removeCondition(next, 'ReplicaFailure');
    if (statusEqual(d.status, next)) return this.requeueStuck(next, nowMs);
    d.status = next;
    await this.writeStatus();
    return undefined;
  }

  /** While progressing, look again just after the progress deadline would pass. */
  private requeueStuck(next: DeploymentStatus, nowMs: number): ReconcileResult {
    const d = this.d;
    const current = getCondition(d.status, 'Progressing');
    if (!hasProgressDeadline(d) || !current || deploymentComplete(d, next) || current.reason === Reasons.progressDeadlineExceeded) return undefined;
    const from = Date.parse(current.lastUpdateTime ?? '');
    if (Number.isNaN(from)) return undefined;
    const after = from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - nowMs;
    return { requeueAfterMs: after < 1000 ? Math.max(0, after) + 10 : after + 1000 };
  }

  /** Progressing becomes Unknown/DeploymentPaused on pause and Unknown/DeploymentResumed on resume. */
  async checkPausedConditions(): Promise<void> {
    const d = this.d;
    if (!hasProgressDeadline(d)) return;
    const current = getCondition(d.status, 'Progressing');
    if (current?.reason === Reasons.progressDeadlineExceeded) return;
    const pausedShown = current?.reason === Reasons.paused;
    const paused = d.spec?.paused === true;
    if (paused === pausedShown) return;
    const condition = paused
      ? newCondition('Progressing', 'Unknown', Reasons.paused, 'Deployment is paused', this.deps.nowMs())
      : newCondition('Progressing', 'Unknown', Reasons.resumed, 'Deployment is resumed', this.deps.nowMs());
    setCondition((d.status ??= {}), condition);
    await this.writeStatus();
  }

  /** A replica count change, not a template change: some active ReplicaSet was sized for another spec.replicas. */
  async isScalingEvent(rsList: readonly ReplicaSet[]): Promise<boolean> {
    const { newRS, oldRSs } = await this.newAndOld(rsList, { create: false });
    const replicas = desiredReplicas(this.d);
    return activeReplicaSets([...oldRSs, newRS]).some((rs) => {
      const desired = desiredReplicasOf(rs);
      return desired !== undefined && desired !== replicas;
    });
  }

  /** Scaling, and cleanup while paused; no rollout progress. */
  async syncScaling(rsList: readonly ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.newAndOld(rsList, { create: false });
    await this.scale(newRS, oldRSs);
    if (this.d.spec?.paused) await this.cleanup(oldRSs);
    await this.syncStatus([...oldRSs, newRS], newRS);
  }

  /**
   * Writes `d.status` through the status endpoint, the revision annotation with it (a
   * Deployment's status writes keep the client's annotations, as in Kubernetes).
   */
  async writeStatus(): Promise<void> {
    const d = this.d;
    const updated = await this.dClient.updateStatus(d);
    d.metadata = { ...d.metadata, resourceVersion: updated.metadata?.resourceVersion };
  }
}

/** Kubernetes' NewRSNewReplicas: how big the new ReplicaSet may be now. */
export function newReplicasForNewRS(d: Deployment, all: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet): number {
  const replicas = desiredReplicas(d);
  if (!isRollingUpdate(d)) return replicas;
  const surge = scaledValue(d.spec?.strategy?.rollingUpdate?.maxSurge ?? 0, replicas, { roundUp: true });
  const current = replicaCount(all);
  const maxTotal = replicas + surge;
  if (current >= maxTotal) return specReplicas(newRS);
  const up = Math.min(maxTotal - current, replicas - specReplicas(newRS));
  return specReplicas(newRS) + up;
}

/** The only active ReplicaSet, or the newest when none is active; undefined when several are. */
function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = activeReplicaSets([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

/** The new ReplicaSet has every replica, sized for this spec.replicas, all available. */
function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const replicas = desiredReplicas(d);
  return specReplicas(rs) === replicas && desiredReplicasOf(rs) === replicas && (rs.status?.availableReplicas ?? 0) === replicas;
}

function roundHalfAwayFromZero(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/** The new ReplicaSet's ReplicaFailure condition, else the first of any other's, as a Deployment condition. */
function replicaFailure(all: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): DeploymentCondition | undefined {
  const from = (rs: ReplicaSet | undefined): DeploymentCondition | undefined => {
    const c = rs?.status?.conditions?.find((x) => x.type === 'ReplicaFailure');
    if (!c) return undefined;
    return { type: c.type, status: c.status, lastTransitionTime: c.lastTransitionTime, lastUpdateTime: c.lastTransitionTime, reason: c.reason, message: c.message };
  };
  return from(newRS) ?? all.map(from).find((c) => c !== undefined);
}

function statusEqual(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
  return canonicalJson(a ?? {}) === canonicalJson(b);
}
