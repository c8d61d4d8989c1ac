// VolumeRestrictions (kube-scheduler v1.33 semantics): a ReadWriteOncePod claim may be used by
// one pod in the whole cluster, and disks that attach to one node at a time (GCE PD, AWS EBS,
// iSCSI and RBD, unless every user mounts them read-only) may not be used twice on a node.
import type { Volume } from 'kubernetes-types/core/v1.js';
import { Action } from '../../events.js';
import { StateKey, type Handle, type Plugin, type StateData } from '../../framework.js';
import { Status } from '../../status.js';
import { podClaimNames } from '../../volumes.js';
import { PluginName } from '../names.js';

export const ERR_REASON_DISK_CONFLICT = 'node(s) had no available disk';
export const ERR_REASON_RWOP_CONFLICT = 'node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode';

class DiskState implements StateData {
  constructor(readonly disks: readonly Volume[]) {}
  clone(): StateData {
    return this;
  }
}

const KEY = new StateKey<DiskState>(`PreFilter${PluginName.VolumeRestrictions}`);

const isDisk = (v: Volume): boolean => Boolean(v.gcePersistentDisk ?? v.awsElasticBlockStore ?? v.iscsi ?? v.rbd);

/** Whether two volumes name the same single-attach disk in a way that conflicts. */
function conflicts(a: Volume, b: Volume): boolean {
  if (a.gcePersistentDisk && b.gcePersistentDisk) {
    return a.gcePersistentDisk.pdName === b.gcePersistentDisk.pdName && !(a.gcePersistentDisk.readOnly && b.gcePersistentDisk.readOnly);
  }
  if (a.awsElasticBlockStore && b.awsElasticBlockStore) return a.awsElasticBlockStore.volumeID === b.awsElasticBlockStore.volumeID;
  if (a.iscsi && b.iscsi) return a.iscsi.iqn === b.iscsi.iqn && !(a.iscsi.readOnly && b.iscsi.readOnly);
  if (a.rbd && b.rbd) {
    const monitors = (x: string[]): string => [...x].sort().join(',');
    return (
      monitors(a.rbd.monitors) === monitors(b.rbd.monitors) &&
      (a.rbd.pool ?? 'rbd') === (b.rbd.pool ?? 'rbd') &&
      a.rbd.image === b.rbd.image &&
      !(a.rbd.readOnly && b.rbd.readOnly)
    );
  }
  return false;
}

export function volumeRestrictions(handle: Handle): Plugin {
  return {
    name: PluginName.VolumeRestrictions,
    preFilter(state, pod) {
      const disks = (pod.pod.spec?.volumes ?? []).filter(isDisk);
      const onePodClaims = new Set<string>();
      for (const name of podClaimNames(pod.pod)) {
        const claim = handle.volumes.claim(pod.namespace, name);
        if (!claim) return Status.unresolvable(`persistentvolumeclaim "${name}" not found`);
        if (claim.spec?.accessModes?.includes('ReadWriteOncePod')) onePodClaims.add(name);
      }
      if (disks.length === 0 && onePodClaims.size === 0) return Status.skip();
      if (onePodClaims.size > 0) {
        for (const node of handle.snapshot.list()) {
          for (const other of node.pods) {
            if (other.key === pod.key || other.namespace !== pod.namespace) continue;
            if (podClaimNames(other.pod).some((n) => onePodClaims.has(n))) return Status.unschedulable(ERR_REASON_RWOP_CONFLICT);
          }
        }
      }
      state.write(KEY, new DiskState(disks));
      return undefined;
    },
    filter(state, _pod, node) {
      const disks = state.read(KEY)?.disks ?? [];
      if (disks.length === 0) return undefined;
      for (const other of node.pods) {
        for (const v of other.pod.spec?.volumes ?? []) {
          if (isDisk(v) && disks.some((d) => conflicts(d, v))) return Status.unschedulable(ERR_REASON_DISK_CONFLICT);
        }
      }
      return undefined;
    },
    eventsToRegister: () => [
      { resource: 'AssignedPod', actions: Action.Delete },
      { resource: 'PersistentVolumeClaim', actions: Action.Add | Action.UpdateOther },
      { resource: 'Node', actions: Action.Add },
    ],
  };
}
