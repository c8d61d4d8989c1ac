// Column descriptions: the API documentation of the field each column shows, looked up in the
// installed `kubernetes-types` package (through the OpenAPI catalog) on first use, as
// Kubernetes takes its column descriptions from its API documentation.
import { installedCatalog } from '../openapi/catalog.js';

/** The "Type.field" names columns refer to. */
export const DOC_KEYS = [
  'ObjectMeta.name',
  'ObjectMeta.creationTimestamp',
  'PodStatus.podIP',
  'PodStatus.nominatedNodeName',
  'PodSpec.nodeName',
  'PodSpec.readinessGates',
  'PodSpec.nodeSelector',
  'ReplicationControllerSpec.replicas',
  'ReplicationControllerSpec.selector',
  'ReplicationControllerStatus.replicas',
  'ReplicationControllerStatus.readyReplicas',
  'ReplicaSetSpec.replicas',
  'ReplicaSetSpec.selector',
  'ReplicaSetStatus.replicas',
  'ReplicaSetStatus.readyReplicas',
  'DaemonSetStatus.desiredNumberScheduled',
  'DaemonSetStatus.currentNumberScheduled',
  'DaemonSetStatus.numberReady',
  'DaemonSetStatus.updatedNumberScheduled',
  'DaemonSetStatus.numberAvailable',
  'DaemonSetSpec.selector',
  'DeploymentStatus.updatedReplicas',
  'DeploymentStatus.availableReplicas',
  'DeploymentSpec.selector',
  'ControllerRevision.revision',
  'JobStatus.succeeded',
  'JobSpec.selector',
  'CronJobSpec.schedule',
  'CronJobSpec.timeZone',
  'CronJobSpec.suspend',
  'CronJobStatus.active',
  'CronJobStatus.lastScheduleTime',
  'ServiceSpec.type',
  'ServiceSpec.clusterIP',
  'ServiceSpec.externalIPs',
  'ServiceSpec.ports',
  'ServiceSpec.selector',
  'Endpoints.subsets',
  'NodeSystemInfo.kubeletVersion',
  'NodeSystemInfo.osImage',
  'NodeSystemInfo.kernelVersion',
  'NodeSystemInfo.containerRuntimeVersion',
  'NodeStatus.addresses',
  'Event.lastTimestamp',
  'Event.type',
  'Event.reason',
  'Event.involvedObject',
  'Event.source',
  'Event.message',
  'Event.firstTimestamp',
  'Event.count',
  'ObjectReference.fieldPath',
  'Secret.type',
  'Secret.data',
  'ServiceAccount.secrets',
  'ConfigMap.data',
  'PersistentVolumeSpec.capacity',
  'PersistentVolumeSpec.accessModes',
  'PersistentVolumeSpec.persistentVolumeReclaimPolicy',
  'PersistentVolumeSpec.claimRef',
  'PersistentVolumeSpec.volumeMode',
  'PersistentVolumeStatus.phase',
  'PersistentVolumeStatus.reason',
  'PersistentVolumeClaimStatus.phase',
  'PersistentVolumeClaimStatus.capacity',
  'PersistentVolumeClaimStatus.accessModes',
  'PersistentVolumeClaimSpec.volumeName',
  'PersistentVolumeClaimSpec.volumeMode',
  'HorizontalPodAutoscalerSpec.scaleTargetRef',
  'HorizontalPodAutoscalerSpec.metrics',
  'HorizontalPodAutoscalerSpec.minReplicas',
  'HorizontalPodAutoscalerSpec.maxReplicas',
  'HorizontalPodAutoscalerStatus.currentReplicas',
  'NetworkPolicySpec.podSelector',
  'RoleBinding.roleRef',
  'ClusterRoleBinding.roleRef',
  'CertificateSigningRequestSpec.signerName',
  'CertificateSigningRequestSpec.request',
  'CertificateSigningRequestSpec.expirationSeconds',
  'CertificateSigningRequestStatus.conditions',
  'LeaseSpec.holderIdentity',
  'StorageClass.provisioner',
  'StorageClass.reclaimPolicy',
  'StorageClass.volumeBindingMode',
  'StorageClass.allowVolumeExpansion',
  'PriorityClass.value',
  'PriorityClass.globalDefault',
  'PriorityClass.preemptionPolicy',
  'VolumeAttachmentSpec.attacher',
  'VolumeAttachmentSpec.nodeName',
  'VolumeAttachmentSource.persistentVolumeName',
  'VolumeAttachmentStatus.attached',
  'EndpointSlice.addressType',
  'EndpointSlice.ports',
  'EndpointSlice.endpoints',
  'CSIDriverSpec.attachRequired',
  'CSIDriverSpec.podInfoOnMount',
  'CSIDriverSpec.storageCapacity',
  'CSIDriverSpec.tokenRequests',
  'CSIDriverSpec.requiresRepublish',
  'CSIDriverSpec.volumeLifecycleModes',
  'CSIStorageCapacity.storageClassName',
  'CSIStorageCapacity.capacity',
  'PriorityLevelConfigurationReference.name',
  'FlowSchemaSpec.matchingPrecedence',
  'FlowSchemaSpec.distinguisherMethod',
  'PriorityLevelConfigurationSpec.type',
  'LimitedPriorityLevelConfiguration.nominalConcurrencyShares',
  'QueuingConfiguration.queues',
  'QueuingConfiguration.handSize',
  'QueuingConfiguration.queueLengthLimit',
] as const;

export type DocKey = (typeof DOC_KEYS)[number];

let index: Map<string, string> | undefined;

/** Core and meta types win when several groups declare a type of the same name (Event). */
function rank(definition: string): number {
  if (definition.startsWith('io.k8s.api.core.v1.')) return 0;
  if (definition.startsWith('io.k8s.apimachinery.pkg.apis.meta.v1.')) return 1;
  return 2;
}

function buildIndex(): Map<string, string> {
  const byKey = new Map<string, string>();
  const definitions = [...installedCatalog().definitions.entries()].sort((a, b) => rank(a[0]) - rank(b[0]));
  for (const [name, node] of definitions) {
    const type = name.slice(name.lastIndexOf('.') + 1);
    for (const [field, schema] of Object.entries(node.properties ?? {})) {
      const key = `${type}.${field}`;
      if (schema.description && !byKey.has(key)) byKey.set(key, schema.description);
    }
  }
  return byKey;
}

/** The documentation of `Type.field`, or "" when the package does not describe it. */
export function fieldDescription(key: DocKey): string {
  try {
    index ??= buildIndex();
  } catch {
    index = new Map();
  }
  return index.get(key) ?? '';
}
