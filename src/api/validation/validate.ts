// Which checks apply to which kind: the name format, the create checks and the update checks,
// looked up by API group and kind. Metadata is checked here for every kind.
import type { ClusterRoleBinding, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import type { ResourceInfo } from '../resources.js';
import { validateHorizontalPodAutoscaler } from './autoscaling.js';
import { validateCronJob, validateJob, validateJobUpdate } from './batch.js';
import {
  validateCoreEvent, validateEventsV1Event, validateLease, validateNamespace, validateNode, validateNodeUpdate,
} from './cluster.js';
import { validatePriorityClass, validatePriorityClassUpdate } from './priority-class.js';
import { validateConfigMap, validateConfigMapUpdate, validateSecret, validateSecretUpdate } from './config.js';
import { validateCustomResourceDefinition, validateCustomResourceDefinitionUpdate } from './crd.js';
import { validateAPIService } from './apiservice.js';
import { nameIsDNS1035Label, nameIsDNSLabel, nameIsDNSSubdomain, nameIsPathSegment, type NameValidator } from './names.js';
import {
  validateEndpoints, validateEndpointSlice, validateEndpointSliceUpdate, validateIngress, validateIngressClass,
  validateIngressClassUpdate, validateNetworkPolicy,
} from './networking.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './objectmeta.js';
import { validatePod, validatePodStatusUpdate, validatePodUpdate } from './pod.js';
import { validatePodEphemeralContainersUpdate } from './ephemeral-containers.js';
import { validatePodTemplateSpec } from './podspec.js';
import { validateLimitRange } from './limit-range.js';
import { validatePodDisruptionBudget, validateResourceQuota } from './policy.js';
import {
  validateClusterRole, validateClusterRoleBinding, validateRole, validateRoleBinding, validateRoleRefUpdate,
} from './rbac.js';
import { validateService, validateServiceUpdate } from './service.js';
import {
  validatePersistentVolume, validatePersistentVolumeClaim, validatePersistentVolumeClaimUpdate,
  validatePersistentVolumeUpdate, validateStorageClass, validateStorageClassUpdate,
} from './storage.js';
import {
  validateDaemonSet, validateDaemonSetUpdate, validateDeployment, validateDeploymentStatusUpdate, validateDeploymentUpdate,
  validateReplicaSet, validateReplicaSetStatusUpdate, validateReplicaSetUpdate, validateReplicationController,
  validateStatefulSet, validateStatefulSetUpdate,
} from './workloads.js';

type Check = (obj: never) => FieldError[];
type UpdateCheck = (obj: never, old: never) => FieldError[];

interface KindRules {
  /** metadata.name format; DNS-1123 subdomain when not given. */
  name?: NameValidator;
  create?: Check;
  /** Defaults to `create` when a kind has no update-only rules. */
  update?: UpdateCheck;
  /**
   * Writes through the status subresource, whose spec is the stored one (as Kubernetes'
   * ValidatePodStatusUpdate): when given, these replace `update` for them.
   */
  statusUpdate?: UpdateCheck;
  /** Writes through pods/ephemeralcontainers, whose only change is to spec.ephemeralContainers. */
  ephemeralContainersUpdate?: UpdateCheck;
}

const noChecks = (): FieldError[] => [];

/** Keyed by `group/Kind` (core group is empty: `/Pod`). */
const KINDS: Record<string, KindRules> = {
  '/Pod': { create: validatePod, update: validatePodUpdate, statusUpdate: validatePodStatusUpdate, ephemeralContainersUpdate: validatePodEphemeralContainersUpdate },
  '/PodTemplate': { create: (t: { template?: never }) => validatePodTemplateSpec(t.template, 'template') },
  '/ReplicationController': { create: validateReplicationController, statusUpdate: validateReplicaSetStatusUpdate },
  '/Service': { name: nameIsDNS1035Label, create: validateService, update: validateServiceUpdate },
  '/Namespace': { name: nameIsDNSLabel, create: validateNamespace },
  '/Node': { create: validateNode, update: validateNodeUpdate },
  '/ConfigMap': { create: validateConfigMap, update: validateConfigMapUpdate },
  '/Secret': { create: validateSecret, update: validateSecretUpdate },
  '/ServiceAccount': { create: noChecks },
  '/PersistentVolume': { create: validatePersistentVolume, update: validatePersistentVolumeUpdate },
  '/PersistentVolumeClaim': { create: validatePersistentVolumeClaim, update: validatePersistentVolumeClaimUpdate },
  '/Endpoints': { create: validateEndpoints },
  '/Event': { create: validateCoreEvent },
  '/LimitRange': { create: validateLimitRange },
  '/ResourceQuota': { create: validateResourceQuota },
  'apps/Deployment': { create: validateDeployment, update: validateDeploymentUpdate, statusUpdate: validateDeploymentStatusUpdate },
  'apps/ReplicaSet': { create: validateReplicaSet, update: validateReplicaSetUpdate, statusUpdate: validateReplicaSetStatusUpdate },
  'apps/StatefulSet': { create: validateStatefulSet, update: validateStatefulSetUpdate },
  'apps/DaemonSet': { create: validateDaemonSet, update: validateDaemonSetUpdate },
  'batch/Job': { create: validateJob, update: validateJobUpdate },
  'batch/CronJob': { create: validateCronJob },
  'autoscaling/HorizontalPodAutoscaler': { create: validateHorizontalPodAutoscaler },
  'networking.k8s.io/Ingress': { create: validateIngress },
  'networking.k8s.io/IngressClass': { create: validateIngressClass, update: validateIngressClassUpdate },
  'networking.k8s.io/NetworkPolicy': { create: validateNetworkPolicy },
  'discovery.k8s.io/EndpointSlice': { create: validateEndpointSlice, update: validateEndpointSliceUpdate },
  'events.k8s.io/Event': { create: validateEventsV1Event },
  'coordination.k8s.io/Lease': { create: validateLease },
  'scheduling.k8s.io/PriorityClass': { create: validatePriorityClass, update: validatePriorityClassUpdate },
  'storage.k8s.io/StorageClass': { create: validateStorageClass, update: validateStorageClassUpdate },
  'policy/PodDisruptionBudget': { create: validatePodDisruptionBudget },
  'apiextensions.k8s.io/CustomResourceDefinition': {
    create: validateCustomResourceDefinition,
    update: validateCustomResourceDefinitionUpdate,
  },
  'apiregistration.k8s.io/APIService': { name: nameIsPathSegment, create: validateAPIService },
  'rbac.authorization.k8s.io/Role': { name: nameIsPathSegment, create: validateRole },
  'rbac.authorization.k8s.io/ClusterRole': { name: nameIsPathSegment, create: validateClusterRole },
  'rbac.authorization.k8s.io/RoleBinding': {
    name: nameIsPathSegment,
    create: validateRoleBinding,
    update: (rb: RoleBinding, old: RoleBinding) => [...validateRoleBinding(rb), ...validateRoleRefUpdate(rb.roleRef, old.roleRef)],
  },
  'rbac.authorization.k8s.io/ClusterRoleBinding': {
    name: nameIsPathSegment,
    create: validateClusterRoleBinding,
    update: (b: ClusterRoleBinding, old: ClusterRoleBinding) => [
      ...validateClusterRoleBinding(b),
      ...validateRoleRefUpdate(b.roleRef, old.roleRef),
    ],
  },
};

function rulesFor(resource: Pick<ResourceInfo, 'group' | 'kind'>): KindRules {
  return KINDS[`${resource.group}/${resource.kind}`] ?? {};
}

/** Field errors for `obj` (create) or for replacing `old` with `obj` (update). */
export function validateObject(
  resource: Pick<ResourceInfo, 'group' | 'kind' | 'namespaced'>,
  obj: KubeObject,
  old?: KubeObject,
  options: { subresource?: string } = {},
): FieldError[] {
  const rules = rulesFor(resource);
  if (old) {
    const forSubresource = options.subresource === 'status' ? rules.statusUpdate : options.subresource === 'ephemeralcontainers' ? rules.ephemeralContainersUpdate : undefined;
    const update = forSubresource ?? rules.update ?? ((o: never) => (rules.create ?? noChecks)(o));
    return [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...update(obj as never, old as never)];
  }
  const meta = validateObjectMeta(obj.metadata, { namespaced: resource.namespaced, name: rules.name ?? nameIsDNSSubdomain });
  return [...meta, ...(rules.create ?? noChecks)(obj as never)];
}
