// VolumeBinding (kube-scheduler v1.33 semantics, filter side): a pod's PersistentVolumeClaims
// must exist; bound claims restrict the pod to the nodes their PersistentVolume's node
// affinity allows; unbound claims of a WaitForFirstConsumer class need, on the node, either an
// available PersistentVolume that fits or a class that provisions. Unbound claims of an
// Immediate class are left to the volume binder: the pod waits for them.
// Binding the claims (PV claimRef, the selected-node annotation) belongs to the storage
// controllers; this plugin only decides where the pod can go.
import type { Node, PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { labelSelectorFromObject } from '../../../api/selectors/labels.js';
import { parseQuantityExact } from '../../../api/validation/quantity.js';
import { Action } from '../../events.js';
import { StateKey, type Handle, type Plugin, type StateData } from '../../framework.js';
import { compileNodeSelectorTerms } from '../../node-selector.js';
import { Status } from '../../status.js';
import { claimClassName, podClaimNames } from '../../volumes.js';
import { PluginName } from '../names.js';

export const ERR_REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_REASON_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
export const ERR_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

class ClaimsState implements StateData {
  constructor(
    readonly bound: readonly PersistentVolume[],
    readonly unbound: readonly PersistentVolumeClaim[],
  ) {}
  clone(): StateData {
    return this;
  }
}

const KEY = new StateKey<ClaimsState>(`PreFilter${PluginName.VolumeBinding}`);

function volumeNodeAffinityMatches(pv: PersistentVolume, node: Node): boolean {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  return terms === undefined || compileNodeSelectorTerms(terms)(node);
}

function bytes(q: string | undefined): bigint {
  return q === undefined ? 0n : (parseQuantityExact(q)?.nanos ?? 0n);
}

/** Whether an unbound claim could bind to this volume (ignoring node affinity). */
function volumeFits(claim: PersistentVolumeClaim, pv: PersistentVolume): boolean {
  const ref = pv.spec?.claimRef;
  if (ref && !(ref.namespace === claim.metadata?.namespace && ref.name === claim.metadata?.name)) return false;
  if (pv.metadata?.deletionTimestamp) return false;
  const phase = pv.status?.phase;
  if (phase !== undefined && phase !== 'Available' && phase !== 'Pending' && !ref) return false;
  if ((pv.spec?.storageClassName ?? '') !== claimClassName(claim)) return false;
  if ((pv.spec?.volumeMode ?? 'Filesystem') !== (claim.spec?.volumeMode ?? 'Filesystem')) return false;
  const modes = new Set(pv.spec?.accessModes ?? []);
  if (!(claim.spec?.accessModes ?? []).every((m) => modes.has(m))) return false;
  if (bytes(pv.spec?.capacity?.['storage']) < bytes(claim.spec?.resources?.requests?.['storage'])) return false;
  const selector = claim.spec?.selector;
  if (selector && !labelSelectorFromObject(selector).matches(pv.metadata?.labels ?? {})) return false;
  return true;
}

function topologyAllows(terms: readonly { matchLabelExpressions?: { key: string; values: string[] }[] }[] | undefined, node: Node): boolean {
  if (!terms || terms.length === 0) return true;
  const labels = node.metadata?.labels ?? {};
  return terms.some((t) => (t.matchLabelExpressions ?? []).every((e) => e.values.includes(labels[e.key] ?? '\u0000')));
}

export function volumeBinding(handle: Handle): Plugin {
  const { volumes } = handle;
  return {
    name: PluginName.VolumeBinding,
    preFilter(state, pod) {
      const names = podClaimNames(pod.pod);
      if (names.length === 0) return Status.skip();
      const bound: PersistentVolume[] = [];
      const unbound: PersistentVolumeClaim[] = [];
      let immediate = false;
      for (const name of names) {
        const claim = volumes.claim(pod.namespace, name);
        if (!claim) return Status.unresolvable(`persistentvolumeclaim "${name}" not found`);
        if (claim.metadata?.deletionTimestamp) return Status.unresolvable(`persistentvolumeclaim "${name}" is being deleted`);
        const volumeName = claim.spec?.volumeName;
        if (volumeName) {
          const pv = volumes.volume(volumeName);
          if (!pv) return Status.unresolvable(ERR_REASON_PV_NOT_EXIST);
          bound.push(pv);
          continue;
        }
        const cls = volumes.storageClass(claimClassName(claim));
        if (cls?.volumeBindingMode === 'WaitForFirstConsumer') unbound.push(claim);
        else immediate = true;
      }
      if (immediate) return Status.unresolvable(ERR_UNBOUND_IMMEDIATE);
      state.write(KEY, new ClaimsState(bound, unbound));
      return undefined;
    },
    filter(state, _pod, node) {
      const claims = state.read(KEY);
      if (!claims) return undefined;
      for (const pv of claims.bound) {
        if (!volumeNodeAffinityMatches(pv, node.node)) return Status.unresolvable(ERR_REASON_NODE_CONFLICT);
      }
      const taken = new Set<string>();
      for (const claim of claims.unbound) {
        // The smallest available volume that fits and may live on this node, as the binder picks.
        let best: PersistentVolume | undefined;
        for (const pv of volumes.volumes()) {
          const name = pv.metadata?.name ?? '';
          if (taken.has(name) || !volumeFits(claim, pv) || !volumeNodeAffinityMatches(pv, node.node)) continue;
          if (!best || bytes(pv.spec?.capacity?.['storage']) < bytes(best.spec?.capacity?.['storage'])) best = pv;
        }
        if (best) {
          taken.add(best.metadata?.name ?? '');
          continue;
        }
        const cls = volumes.storageClass(claimClassName(claim));
        const provisions = cls !== undefined && cls.provisioner !== NO_PROVISIONER;
        if (!provisions || !topologyAllows(cls.allowedTopologies, node.node)) return Status.unresolvable(ERR_REASON_BIND_CONFLICT);
      }
      return undefined;
    },
    eventsToRegister: () => [
      { resource: 'PersistentVolumeClaim', actions: Action.Add | Action.UpdateOther },
      { resource: 'PersistentVolume', actions: Action.Add | Action.UpdateOther },
      { resource: 'StorageClass', actions: Action.Add | Action.UpdateOther },
      { resource: 'Node', actions: Action.Add | Action.UpdateNodeLabel },
    ],
  };
}
