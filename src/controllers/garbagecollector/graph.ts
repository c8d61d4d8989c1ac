// The garbage collector's view of the cluster: every object that can own or be owned, by uid,
// with its owner references and the reverse edges (owner uid → dependents). It is fed by the
// informers and read by reconcile; owners that are not in it are checked against the API.
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { ObjectLike } from '../../client/client.js';

export interface GraphNode {
  uid: string;
  resource: ResourceInfo;
  name: string;
  /** Undefined for cluster-scoped objects. */
  namespace: string | undefined;
  owners: readonly OwnerReference[];
  finalizers: readonly string[];
  /** metadata.deletionTimestamp is set. */
  deleting: boolean;
}

export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';

export function nodeOf(resource: ResourceInfo, obj: ObjectLike): GraphNode | undefined {
  const m = obj.metadata;
  if (!m?.uid || !m.name) return undefined;
  return {
    uid: m.uid,
    resource,
    name: m.name,
    namespace: resource.namespaced ? m.namespace : undefined,
    owners: m.ownerReferences ?? [],
    finalizers: m.finalizers ?? [],
    deleting: m.deletionTimestamp !== undefined && m.deletionTimestamp !== null,
  };
}

/** True while the object waits for its dependents: deleted in the foreground. */
export function deletingDependents(n: GraphNode): boolean {
  return n.deleting && n.finalizers.includes(FOREGROUND_FINALIZER);
}

export class DependencyGraph {
  private readonly nodes = new Map<string, GraphNode>();
  private readonly dependents = new Map<string, Set<string>>();

  get size(): number {
    return this.nodes.size;
  }

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  /** Adds or replaces a node; returns the node it replaced. */
  upsert(node: GraphNode): GraphNode | undefined {
    const prev = this.nodes.get(node.uid);
    if (prev) this.unlink(prev);
    this.nodes.set(node.uid, node);
    for (const ref of node.owners) {
      let set = this.dependents.get(ref.uid);
      if (!set) this.dependents.set(ref.uid, (set = new Set()));
      set.add(node.uid);
    }
    return prev;
  }

  remove(uid: string): GraphNode | undefined {
    const prev = this.nodes.get(uid);
    if (!prev) return undefined;
    this.unlink(prev);
    this.nodes.delete(uid);
    return prev;
  }

  /** Objects that name `ownerUid` among their owners (whether or not that owner is known). */
  dependentsOf(ownerUid: string): GraphNode[] {
    const out: GraphNode[] = [];
    for (const uid of this.dependents.get(ownerUid) ?? []) {
      const n = this.nodes.get(uid);
      if (n) out.push(n);
    }
    return out;
  }

  /** Dependents whose reference to `ownerUid` has blockOwnerDeletion: they hold a foreground deletion. */
  blockingDependentsOf(ownerUid: string): GraphNode[] {
    return this.dependentsOf(ownerUid).filter((d) => d.owners.some((r) => r.uid === ownerUid && r.blockOwnerDeletion === true));
  }

  private unlink(node: GraphNode): void {
    for (const ref of node.owners) {
      const set = this.dependents.get(ref.uid);
      if (!set) continue;
      set.delete(node.uid);
      if (set.size === 0) this.dependents.delete(ref.uid);
    }
  }
}
