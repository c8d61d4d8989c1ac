// Cluster events that can make an unschedulable pod schedulable, and the hints plugins register
// for them (kube-scheduler's ClusterEventWithHint / QueueingHint). A pod rejected by plugin P
// leaves the unschedulable set only on an event P registered for whose hint says Queue.
import type { Namespace, Node, Pod } from 'kubernetes-types/core/v1.js';
import type { PodInfo } from './pod-info.js';

/** Action bits; an event carries one or more, a registration matches when any bit overlaps. */
export const Action = {
  Add: 1 << 0,
  Delete: 1 << 1,
  UpdateNodeAllocatable: 1 << 2,
  UpdateNodeLabel: 1 << 3,
  UpdateNodeTaint: 1 << 4,
  UpdateNodeCondition: 1 << 5,
  UpdateNodeAnnotation: 1 << 6,
  UpdatePodLabel: 1 << 7,
  UpdatePodScaleDown: 1 << 8,
  UpdatePodToleration: 1 << 9,
  UpdatePodSchedulingGatesEliminated: 1 << 10,
  /** Any other change. */
  UpdateOther: 1 << 11,
} as const;
export const UPDATE = (1 << 12) - 1 - Action.Add - Action.Delete;
export const ALL_ACTIONS = (1 << 12) - 1;

export type ClusterEvent =
  | { resource: 'Node'; action: number; oldNode?: Node; newNode?: Node }
  | { resource: 'AssignedPod'; action: number; oldPod?: Pod; newPod?: Pod }
  | { resource: 'UnscheduledPod'; action: number; oldPod?: Pod; newPod?: Pod }
  | { resource: 'Namespace'; action: number; namespace?: Namespace }
  /** A storage object changed (the volume plugins' events; the object itself is not needed). */
  | { resource: StorageResource; action: number }
  /** Periodic flush of pods unschedulable for too long, or an explicit activation: moves everything. */
  | { resource: 'UnschedulableTimeout' | 'ForceActivate'; action: number };

export type StorageResource = 'PersistentVolumeClaim' | 'PersistentVolume' | 'StorageClass';

export type QueueingHint = 'Queue' | 'Skip';

export interface ClusterEventWithHint {
  resource: 'Node' | 'AssignedPod' | 'UnscheduledPod' | 'Namespace' | StorageResource;
  actions: number;
  /** Defaults to Queue. Must be cheap: it runs per unschedulable pod per event. */
  hint?: (pod: PodInfo, event: ClusterEvent) => QueueingHint;
}

function sameJSON(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Which parts of a node changed, as action bits (0 when nothing scheduling-relevant did). */
export function nodeUpdateActions(oldNode: Node, newNode: Node): number {
  let a = 0;
  if (!sameJSON(oldNode.status?.allocatable, newNode.status?.allocatable)) a |= Action.UpdateNodeAllocatable;
  if (!sameJSON(oldNode.metadata?.labels, newNode.metadata?.labels)) a |= Action.UpdateNodeLabel;
  if (!sameJSON(oldNode.spec?.taints, newNode.spec?.taints) || Boolean(oldNode.spec?.unschedulable) !== Boolean(newNode.spec?.unschedulable)) {
    a |= Action.UpdateNodeTaint;
  }
  if (!sameJSON(oldNode.status?.conditions?.map((c) => [c.type, c.status]), newNode.status?.conditions?.map((c) => [c.type, c.status]))) {
    a |= Action.UpdateNodeCondition;
  }
  if (!sameJSON(oldNode.metadata?.annotations, newNode.metadata?.annotations)) a |= Action.UpdateNodeAnnotation;
  if (!sameJSON(oldNode.status?.images, newNode.status?.images)) a |= Action.UpdateOther;
  return a;
}

/** Which parts of a pod changed, as action bits. */
export function podUpdateActions(oldPod: Pod, newPod: Pod): number {
  let a = 0;
  if (!sameJSON(oldPod.metadata?.labels, newPod.metadata?.labels)) a |= Action.UpdatePodLabel;
  if (!sameJSON(oldPod.spec?.tolerations, newPod.spec?.tolerations)) a |= Action.UpdatePodToleration;
  if ((oldPod.spec?.schedulingGates?.length ?? 0) > 0 && (newPod.spec?.schedulingGates?.length ?? 0) === 0) {
    a |= Action.UpdatePodSchedulingGatesEliminated;
  }
  const resources = (p: Pod): unknown => p.spec?.containers?.map((c) => c.resources?.requests);
  if (!sameJSON(resources(oldPod), resources(newPod))) a |= Action.UpdatePodScaleDown;
  if (a === 0 && !sameJSON(oldPod.spec, newPod.spec)) a |= Action.UpdateOther;
  return a;
}
