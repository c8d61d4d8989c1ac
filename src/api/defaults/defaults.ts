// Which defaulter applies to which kind, looked up by API group and kind. Kinds without
// defaults are left untouched.
import type { KubeObject } from '../object.js';
import type { ResourceInfo } from '../resources.js';
import { defaultDaemonSet, defaultDeployment, defaultReplicaSet, defaultStatefulSet } from './apps.js';
import { defaultHorizontalPodAutoscaler } from './autoscaling.js';
import { defaultCronJob, defaultJob, setJobSelector } from './batch.js';
import { defaultAPIService, defaultCSIDriver, defaultCustomResourceDefinition, defaultPriorityClass, defaultStorageClass, defaultVolumeAttachment } from './cluster.js';
import {
  defaultEndpoints, defaultLimitRange, defaultNamespace, defaultNode, defaultPersistentVolume,
  defaultPersistentVolumeClaim, defaultPodTemplate, defaultReplicationController, defaultSecret, defaultService,
  prepareNamespaceForCreate,
} from './core.js';
import { defaultEndpointSlice, defaultIngress, defaultNetworkPolicy } from './networking.js';
import { defaultPod } from './pod.js';
import { defaultRoleBinding } from './rbac.js';

type Defaulter = (obj: never) => void;

/** Keyed by `group/Kind` (core group is empty: `/Pod`). */
const DEFAULTERS: Record<string, Defaulter> = {
  '/Pod': defaultPod,
  '/PodTemplate': defaultPodTemplate,
  '/ReplicationController': defaultReplicationController,
  '/Service': defaultService,
  '/Secret': defaultSecret,
  '/Namespace': defaultNamespace,
  '/PersistentVolume': defaultPersistentVolume,
  '/PersistentVolumeClaim': defaultPersistentVolumeClaim,
  '/Endpoints': defaultEndpoints,
  '/Node': defaultNode,
  '/LimitRange': defaultLimitRange,
  'apps/Deployment': defaultDeployment,
  'apps/ReplicaSet': defaultReplicaSet,
  'apps/StatefulSet': defaultStatefulSet,
  'apps/DaemonSet': defaultDaemonSet,
  'batch/Job': defaultJob,
  'batch/CronJob': defaultCronJob,
  'autoscaling/HorizontalPodAutoscaler': defaultHorizontalPodAutoscaler,
  'networking.k8s.io/NetworkPolicy': defaultNetworkPolicy,
  'networking.k8s.io/Ingress': defaultIngress,
  'discovery.k8s.io/EndpointSlice': defaultEndpointSlice,
  'scheduling.k8s.io/PriorityClass': defaultPriorityClass,
  'storage.k8s.io/StorageClass': defaultStorageClass,
  'storage.k8s.io/CSIDriver': defaultCSIDriver,
  'storage.k8s.io/VolumeAttachment': defaultVolumeAttachment,
  'apiextensions.k8s.io/CustomResourceDefinition': defaultCustomResourceDefinition,
  'apiregistration.k8s.io/APIService': defaultAPIService,
  'rbac.authorization.k8s.io/RoleBinding': defaultRoleBinding,
  'rbac.authorization.k8s.io/ClusterRoleBinding': defaultRoleBinding,
};

export function defaultObject(resource: Pick<ResourceInfo, 'group' | 'kind'>, obj: KubeObject): void {
  DEFAULTERS[`${resource.group}/${resource.kind}`]?.(obj as never);
}

/**
 * Create-only preparation that is not defaulting because it must not be repeated on update:
 * the Job selector and labels (from the uid the API server has just assigned) and the
 * namespace `kubernetes` finalizer.
 */
export function prepareObjectForCreate(resource: Pick<ResourceInfo, 'group' | 'kind'>, obj: KubeObject): void {
  const key = `${resource.group}/${resource.kind}`;
  if (key === 'batch/Job') setJobSelector(obj as never, obj.metadata?.uid ?? '');
  else if (key === '/Namespace') prepareNamespaceForCreate(obj as never);
}
