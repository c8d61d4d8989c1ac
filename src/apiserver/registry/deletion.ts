// What a DELETE does to one object, decided without I/O: remove it now, or mark it
// (deletionTimestamp, propagation finalizers) and leave the rest to the kubelet, the
// namespace controller or the garbage collector, as Kubernetes' graceful deletion does.
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { deepCopy, isPlainObject } from '../../api/object.js';
import type { ResourceInfo } from '../../api/resources.js';
import { deletionGracePeriod, isNamespace, isPod } from './kinds.js';
import { addFinalizer, hasFinalizers, meta, removeFinalizer, rfc3339 } from './meta.js';
import type { DeleteOptions } from './types.js';

export type DeletionPlan =
  | { kind: 'delete' }
  /** Write `obj` (marked for deletion) and answer with it. */
  | { kind: 'pending'; obj: KubeObject }
  /** Already marked and nothing to change: answer with the stored object. */
  | { kind: 'unchanged' };

const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

export interface DeletionInput {
  resource: ResourceInfo;
  qualified: string;
  current: KubeObject;
  options: DeleteOptions;
  nowMs: number;
}

export function planDeletion(input: DeletionInput): DeletionPlan {
  const { resource, current, options } = input;
  const cm = meta(current);
  const name = cm.name ?? '';
  checkPreconditions(input);
  if (isNamespace(resource) && IMMORTAL_NAMESPACES.has(name)) {
    throw new ApiError('Forbidden', `namespaces "${name}" is forbidden: this namespace may not be deleted`, { name, kind: 'namespaces' });
  }
  const next = deepCopy(current);
  const m = meta(next);
  applyPropagation(next, options);
  const grace = deletionGracePeriod(resource, current, options.gracePeriodSeconds);
  const waitsForNamespaceFinalizers = isNamespace(resource) && namespaceSpecFinalizers(next) > 0;
  const finalizersChanged = JSON.stringify(m.finalizers ?? []) !== JSON.stringify(cm.finalizers ?? []);

  if (cm.deletionTimestamp) {
    const remaining = cm.deletionGracePeriodSeconds ?? 0;
    if (isPod(resource) && grace < remaining) {
      // A shorter grace period replaces the pending one (kubectl delete --grace-period=0 --force).
      if (grace === 0 && !hasFinalizers(next)) return { kind: 'delete' };
      m.deletionTimestamp = rfc3339(input.nowMs + grace * 1000);
      m.deletionGracePeriodSeconds = grace;
      return { kind: 'pending', obj: next };
    }
    if (remaining === 0 && !hasFinalizers(next) && !waitsForNamespaceFinalizers) return { kind: 'delete' };
    return finalizersChanged ? { kind: 'pending', obj: next } : { kind: 'unchanged' };
  }

  if (grace === 0 && !hasFinalizers(next) && !waitsForNamespaceFinalizers) return { kind: 'delete' };
  m.deletionTimestamp = rfc3339(input.nowMs + grace * 1000);
  m.deletionGracePeriodSeconds = grace;
  if (m.generation !== undefined && m.generation > 0) m.generation += 1;
  if (isNamespace(resource)) {
    const status = isPlainObject(next['status']) ? next['status'] : {};
    status['phase'] = 'Terminating';
    next['status'] = status;
  }
  return { kind: 'pending', obj: next };
}

function checkPreconditions(input: DeletionInput): void {
  const pre = input.options.preconditions;
  if (!pre) return;
  const m = meta(input.current);
  const name = m.name ?? '';
  if (pre.uid && pre.uid !== m.uid) {
    throw ApiError.conflict(input.qualified, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${m.uid ?? ''}`);
  }
  if (pre.resourceVersion && pre.resourceVersion !== m.resourceVersion) {
    throw ApiError.conflict(
      input.qualified,
      name,
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${m.resourceVersion ?? ''}`,
    );
  }
}

/** Foreground and Orphan are carried out by the garbage collector through these finalizers. */
function applyPropagation(obj: KubeObject, options: DeleteOptions): void {
  const policy = options.propagationPolicy ?? (options.orphanDependents === true ? 'Orphan' : undefined);
  if (policy === 'Foreground') {
    removeFinalizer(obj, 'orphan');
    addFinalizer(obj, 'foregroundDeletion');
  } else if (policy === 'Orphan') {
    removeFinalizer(obj, 'foregroundDeletion');
    addFinalizer(obj, 'orphan');
  } else if (policy === 'Background' || options.orphanDependents === false) {
    removeFinalizer(obj, 'orphan');
  }
}

function namespaceSpecFinalizers(ns: KubeObject): number {
  const spec = ns['spec'];
  if (!isPlainObject(spec)) return 0;
  const list = spec['finalizers'];
  return Array.isArray(list) ? list.length : 0;
}
