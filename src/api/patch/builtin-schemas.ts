// Merge schemas of the built-in kinds, transcribed from the struct tags and list markers of the
// Kubernetes v1.33 API types (k8s.io/api). Only fields that behave differently from `untyped`
// need to be listed: lists with a merge strategy or a list type, atomic maps and structs, and
// the structs Go always serializes. Scalar fields are listed where it helps reading.
import type { GroupVersionKind } from '../object.js';
import {
  atomicList,
  atomicStringMap,
  mapListNoSmp,
  mergeList,
  scalar,
  setList,
  stringMap,
  struct,
  untyped,
  type Schema,
  type StructSchema,
} from './schema.js';

// ---- meta/v1 ----
const ownerReference = struct({ apiVersion: scalar, kind: scalar, name: scalar, uid: scalar, controller: scalar, blockOwnerDeletion: scalar });
const objectMeta = struct({
  labels: stringMap,
  annotations: stringMap,
  finalizers: setList(),
  ownerReferences: mergeList(ownerReference, 'uid'),
  managedFields: atomicList(untyped),
});
const labelSelector = struct({ matchLabels: stringMap, matchExpressions: atomicList(untyped) }, { atomic: true });
/** metav1.Condition and the per-kind condition structs: scalars only. */
const condition = untyped;
const conditionsByType = mergeList(condition, 'type');

// ---- core/v1: containers ----
const containerPort = struct({ name: scalar, hostPort: scalar, containerPort: scalar, protocol: scalar, hostIP: scalar });
const containerPorts = mergeList(containerPort, 'containerPort', {
  ssaKeys: ['containerPort', 'protocol'],
  keyDefaults: { protocol: 'TCP' },
});
const envVar = struct({ name: scalar, value: scalar, valueFrom: untyped });
const resourceRequirements = struct({
  limits: stringMap,
  requests: stringMap,
  claims: mapListNoSmp(untyped, ['name']),
});
const capabilities = struct({ add: atomicList(), drop: atomicList() });
const securityContext = struct({ capabilities, seLinuxOptions: untyped, windowsOptions: untyped, seccompProfile: untyped, appArmorProfile: untyped });
const containerFields = {
  name: scalar,
  image: scalar,
  command: atomicList(),
  args: atomicList(),
  workingDir: scalar,
  ports: containerPorts,
  envFrom: atomicList(untyped),
  env: mergeList(envVar, 'name'),
  resources: resourceRequirements,
  resizePolicy: atomicList(untyped),
  restartPolicy: scalar,
  volumeMounts: mergeList(untyped, 'mountPath'),
  volumeDevices: mergeList(untyped, 'devicePath'),
  livenessProbe: untyped,
  readinessProbe: untyped,
  startupProbe: untyped,
  lifecycle: untyped,
  securityContext,
};
const container = struct(containerFields);
const ephemeralContainer = struct({ ...containerFields, targetContainerName: scalar });

// ---- core/v1: pods ----
const nodeSelector = struct({ nodeSelectorTerms: atomicList(untyped) }, { atomic: true });
const affinity = struct({
  nodeAffinity: struct({
    requiredDuringSchedulingIgnoredDuringExecution: nodeSelector,
    preferredDuringSchedulingIgnoredDuringExecution: atomicList(untyped),
  }),
  podAffinity: struct({
    requiredDuringSchedulingIgnoredDuringExecution: atomicList(untyped),
    preferredDuringSchedulingIgnoredDuringExecution: atomicList(untyped),
  }),
  podAntiAffinity: struct({
    requiredDuringSchedulingIgnoredDuringExecution: atomicList(untyped),
    preferredDuringSchedulingIgnoredDuringExecution: atomicList(untyped),
  }),
});
const podSecurityContext = struct({
  supplementalGroups: atomicList(),
  sysctls: atomicList(untyped),
  seLinuxOptions: untyped,
  windowsOptions: untyped,
  seccompProfile: untyped,
  appArmorProfile: untyped,
});
const podSpec = struct(
  {
    volumes: mergeList(untyped, 'name'),
    initContainers: mergeList(container, 'name'),
    containers: mergeList(container, 'name'),
    ephemeralContainers: mergeList(ephemeralContainer, 'name'),
    nodeSelector: atomicStringMap,
    securityContext: podSecurityContext,
    imagePullSecrets: mergeList(untyped, 'name'),
    affinity,
    tolerations: atomicList(untyped),
    hostAliases: mergeList(struct({ ip: scalar, hostnames: atomicList() }), 'ip'),
    dnsConfig: struct({ nameservers: atomicList(), searches: atomicList(), options: atomicList(untyped) }),
    readinessGates: atomicList(untyped),
    overhead: stringMap,
    topologySpreadConstraints: mergeList(struct({ labelSelector, matchLabelKeys: atomicList(), nodeAffinityPolicy: scalar }), 'topologyKey', {
      ssaKeys: ['topologyKey', 'whenUnsatisfiable'],
    }),
    schedulingGates: mergeList(untyped, 'name'),
    resourceClaims: mergeList(untyped, 'name'),
    resources: resourceRequirements,
  },
  { alwaysPresent: ['containers'] },
);
const podIPs = mergeList(untyped, 'ip', { ssa: { listType: 'atomic' } });
const podStatus = struct({
  conditions: conditionsByType,
  podIPs,
  hostIPs: podIPs,
  initContainerStatuses: atomicList(untyped),
  containerStatuses: atomicList(untyped),
  ephemeralContainerStatuses: atomicList(untyped),
  resourceClaimStatuses: mergeList(untyped, 'name'),
});
const podTemplateSpec = struct({ metadata: objectMeta, spec: podSpec }, { alwaysPresent: ['metadata', 'spec'] });

// ---- kinds ----
function kind(fields: Record<string, Schema>, alwaysPresent: readonly string[] = ['metadata']): StructSchema {
  return struct({ apiVersion: scalar, kind: scalar, metadata: objectMeta, ...fields }, { alwaysPresent });
}
const specStatus = ['metadata', 'spec', 'status'];
const withConditions = struct({ conditions: conditionsByType });

const pod = kind({ spec: podSpec, status: podStatus }, specStatus);
const podTemplate = kind({ template: podTemplateSpec }, ['metadata', 'template']);
const replicationController = kind(
  { spec: struct({ selector: atomicStringMap, template: podTemplateSpec }), status: withConditions },
  specStatus,
);
const service = kind(
  {
    spec: struct({
      ports: mergeList(untyped, 'port', { ssaKeys: ['port', 'protocol'], keyDefaults: { protocol: 'TCP' } }),
      selector: atomicStringMap,
      clusterIPs: atomicList(),
      externalIPs: atomicList(),
      loadBalancerSourceRanges: atomicList(),
      ipFamilies: atomicList(),
    }),
    status: struct({ loadBalancer: struct({ ingress: atomicList(untyped) }), conditions: conditionsByType }, { alwaysPresent: ['loadBalancer'] }),
  },
  specStatus,
);
const endpoints = kind({ subsets: atomicList(untyped) });
const node = kind(
  {
    spec: struct({ podCIDRs: setList(), taints: atomicList(untyped) }),
    status: struct(
      {
        capacity: stringMap,
        allocatable: stringMap,
        conditions: conditionsByType,
        addresses: mergeList(untyped, 'type'),
        daemonEndpoints: struct({ kubeletEndpoint: untyped }, { alwaysPresent: ['kubeletEndpoint'] }),
        nodeInfo: untyped,
        images: atomicList(untyped),
        volumesInUse: atomicList(),
        volumesAttached: atomicList(untyped),
        runtimeHandlers: atomicList(untyped),
      },
      { alwaysPresent: ['daemonEndpoints', 'nodeInfo'] },
    ),
  },
  specStatus,
);
const namespace = kind({ spec: struct({ finalizers: atomicList() }), status: withConditions }, specStatus);
const configMap = kind({ data: stringMap, binaryData: stringMap });
const secret = kind({ data: stringMap, stringData: stringMap });
const serviceAccount = kind({ secrets: mergeList(untyped, 'name'), imagePullSecrets: atomicList(untyped) });
const pvc = kind(
  {
    spec: struct({ accessModes: atomicList(), selector: labelSelector, resources: struct({ limits: stringMap, requests: stringMap }) }),
    status: struct({ accessModes: atomicList(), capacity: stringMap, conditions: conditionsByType, allocatedResources: stringMap }),
  },
  specStatus,
);
const pv = kind({ spec: struct({ accessModes: atomicList(), capacity: stringMap, mountOptions: atomicList() }) }, specStatus);
const limitRange = kind({ spec: struct({ limits: atomicList(untyped) }) }, ['metadata', 'spec']);
const resourceQuota = kind(
  { spec: struct({ hard: stringMap, scopes: atomicList() }), status: struct({ hard: stringMap, used: stringMap }) },
  specStatus,
);

const deploymentStrategy = struct({ type: scalar, rollingUpdate: struct({ maxSurge: scalar, maxUnavailable: scalar }) });
const deployment = kind(
  {
    spec: struct(
      { replicas: scalar, selector: labelSelector, template: podTemplateSpec, strategy: deploymentStrategy },
      { alwaysPresent: ['template', 'strategy'] },
    ),
    status: withConditions,
  },
  specStatus,
);
const replicaSet = kind(
  { spec: struct({ selector: labelSelector, template: podTemplateSpec }, { alwaysPresent: ['template'] }), status: withConditions },
  specStatus,
);
const statefulSet = kind(
  {
    spec: struct(
      { selector: labelSelector, template: podTemplateSpec, volumeClaimTemplates: atomicList(untyped), updateStrategy: untyped },
      { alwaysPresent: ['template', 'updateStrategy'] },
    ),
    status: withConditions,
  },
  specStatus,
);
const daemonSet = kind(
  {
    spec: struct({ selector: labelSelector, template: podTemplateSpec, updateStrategy: untyped }, { alwaysPresent: ['template', 'updateStrategy'] }),
    status: withConditions,
  },
  specStatus,
);
const controllerRevision = kind({ data: untyped });

const jobSpec = struct(
  {
    selector: labelSelector,
    template: podTemplateSpec,
    podFailurePolicy: struct({ rules: atomicList(untyped) }),
    successPolicy: struct({ rules: atomicList(untyped) }),
  },
  { alwaysPresent: ['template'] },
);
const job = kind(
  {
    spec: jobSpec,
    status: struct({ conditions: mergeList(condition, 'type', { ssa: { listType: 'atomic' } }), uncountedTerminatedPods: untyped }),
  },
  specStatus,
);
const cronJob = kind(
  {
    spec: struct({ jobTemplate: struct({ metadata: objectMeta, spec: jobSpec }, { alwaysPresent: ['metadata', 'spec'] }) }, { alwaysPresent: ['jobTemplate'] }),
    status: struct({ active: atomicList(untyped) }),
  },
  specStatus,
);
const hpa = kind(
  {
    spec: struct({ metrics: atomicList(untyped) }),
    status: struct({ currentMetrics: atomicList(untyped), conditions: conditionsByType }),
  },
  specStatus,
);
const ingress = kind({ spec: struct({ rules: atomicList(untyped), tls: atomicList(untyped) }), status: untyped }, specStatus);
const networkPolicy = kind(
  { spec: struct({ podSelector: labelSelector, ingress: atomicList(untyped), egress: atomicList(untyped), policyTypes: atomicList() }) },
  ['metadata', 'spec'],
);
const pdb = kind({ spec: struct({ selector: labelSelector }), status: struct({ conditions: conditionsByType, disruptedPods: stringMap }) }, specStatus);
const role = kind({ rules: atomicList(untyped) });
const clusterRole = kind({ rules: atomicList(untyped), aggregationRule: struct({ clusterRoleSelectors: atomicList(untyped) }) });
const roleBinding = kind({ subjects: atomicList(untyped), roleRef: struct({}, { atomic: true }) }, ['metadata', 'roleRef']);
const storageClass = kind({ parameters: stringMap, mountOptions: atomicList(), allowedTopologies: atomicList(untyped) });
const csiNode = kind({ spec: struct({ drivers: mergeList(untyped, 'name') }) }, ['metadata', 'spec']);
const endpointSlice = kind({ endpoints: atomicList(untyped), ports: atomicList(untyped) });
const crd = kind(
  {
    spec: struct({ versions: atomicList(untyped), names: untyped }),
    status: struct({ conditions: conditionsByType, acceptedNames: untyped, storedVersions: atomicList() }),
  },
  specStatus,
);
const webhookConfiguration = kind({ webhooks: mergeList(untyped, 'name') });
const csr = kind(
  { spec: struct({ usages: atomicList(), groups: atomicList(), extra: untyped }), status: struct({ conditions: mapListNoSmp(condition, ['type']) }) },
  specStatus,
);
const apiService = kind({ spec: untyped, status: withConditions }, specStatus);
const generic = kind({});

/** Schemas by `group/Kind`; every version of a kind shares one schema. */
const byGroupKind: ReadonlyMap<string, StructSchema> = new Map([
  ['/Pod', pod],
  ['/PodTemplate', podTemplate],
  ['/ReplicationController', replicationController],
  ['/Service', service],
  ['/Endpoints', endpoints],
  ['/Node', node],
  ['/Namespace', namespace],
  ['/ConfigMap', configMap],
  ['/Secret', secret],
  ['/ServiceAccount', serviceAccount],
  ['/PersistentVolumeClaim', pvc],
  ['/PersistentVolume', pv],
  ['/LimitRange', limitRange],
  ['/ResourceQuota', resourceQuota],
  ['apps/Deployment', deployment],
  ['apps/ReplicaSet', replicaSet],
  ['apps/StatefulSet', statefulSet],
  ['apps/DaemonSet', daemonSet],
  ['apps/ControllerRevision', controllerRevision],
  ['batch/Job', job],
  ['batch/CronJob', cronJob],
  ['autoscaling/HorizontalPodAutoscaler', hpa],
  ['networking.k8s.io/Ingress', ingress],
  ['networking.k8s.io/NetworkPolicy', networkPolicy],
  ['policy/PodDisruptionBudget', pdb],
  ['rbac.authorization.k8s.io/Role', role],
  ['rbac.authorization.k8s.io/ClusterRole', clusterRole],
  ['rbac.authorization.k8s.io/RoleBinding', roleBinding],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', roleBinding],
  ['storage.k8s.io/StorageClass', storageClass],
  ['storage.k8s.io/CSINode', csiNode],
  ['discovery.k8s.io/EndpointSlice', endpointSlice],
  ['apiextensions.k8s.io/CustomResourceDefinition', crd],
  ['admissionregistration.k8s.io/ValidatingWebhookConfiguration', webhookConfiguration],
  ['admissionregistration.k8s.io/MutatingWebhookConfiguration', webhookConfiguration],
  ['certificates.k8s.io/CertificateSigningRequest', csr],
  ['apiregistration.k8s.io/APIService', apiService],
]);

/** The API groups whose kinds are compiled into Kubernetes (custom resources live elsewhere). */
const builtinGroups: ReadonlySet<string> = new Set([
  '',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'apps',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'events.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'internal.apiserver.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'resource.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
  'storagemigration.k8s.io',
]);

/** The schema of a built-in kind, or undefined for custom resources. */
export function builtinSchema(gvk: GroupVersionKind): StructSchema | undefined {
  if (!builtinGroups.has(gvk.group)) return undefined;
  return byGroupKind.get(`${gvk.group}/${gvk.kind}`) ?? generic;
}

/**
 * The schema server-side apply uses: the built-in one, or for custom resources a schema that
 * only knows metadata (the rest untyped, as a CRD with `x-kubernetes-preserve-unknown-fields`).
 */
export function applySchema(gvk: GroupVersionKind): StructSchema {
  return builtinSchema(gvk) ?? generic;
}
