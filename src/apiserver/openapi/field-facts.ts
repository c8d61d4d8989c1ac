// What the `kubernetes-types` declarations cannot say but Kubernetes' own OpenAPI does: integer
// widths, float fields, list and patch semantics of the common lists, and the `x-kubernetes-*`
// properties of a CRD schema (not valid TypeScript identifiers, so absent from the package).
// Facts from the Kubernetes 1.30 API types (struct tags `patchStrategy`, `patchMergeKey`,
// `listType`, `listMapKey`, and the Go field types).
import type { Json } from '../../api/object.js';
import type { SchemaNode } from './schema-node.js';

/** Properties that are int64 in Kubernetes (any definition); other integers are int32. */
export const INT64_PROPERTIES: ReadonlySet<string> = new Set([
  'activeDeadlineSeconds', 'deletionGracePeriodSeconds', 'expirationSeconds', 'fsGroup',
  'generation', 'gracePeriodSeconds', 'maxItems', 'maxLength', 'maxProperties', 'minItems',
  'minLength', 'minProperties', 'observedGeneration', 'remainingItemCount', 'runAsGroup',
  'runAsUser', 'startingDeadlineSeconds', 'supplementalGroups', 'terminationGracePeriodSeconds',
]);

/** `Definition.property` that are float64 (`type: number, format: double`). */
export const DOUBLE_PROPERTIES: ReadonlySet<string> = new Set([
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps.maximum',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps.minimum',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps.multipleOf',
]);

type Extensions = Record<string, Json>;

const mergeBy = (key: string): Extensions => ({
  'x-kubernetes-patch-merge-key': key,
  'x-kubernetes-patch-strategy': 'merge',
});
const mapKeys = (...keys: string[]): Extensions => ({
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': keys,
});

const CONTAINER_LISTS: Record<string, Extensions> = {
  env: mergeBy('name'),
  ports: { ...mergeBy('containerPort'), ...mapKeys('containerPort', 'protocol') },
  resizePolicy: { 'x-kubernetes-list-type': 'atomic' },
  volumeDevices: mergeBy('devicePath'),
  volumeMounts: mergeBy('mountPath'),
};
const CONDITIONS: Record<string, Extensions> = { conditions: mergeBy('type') };

/** Definition name → property → list/patch extensions. */
export const LIST_EXTENSIONS: Readonly<Record<string, Record<string, Extensions>>> = {
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': {
    finalizers: { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-list-type': 'set' },
    ownerReferences: mergeBy('uid'),
  },
  'io.k8s.api.core.v1.PodSpec': {
    containers: mergeBy('name'),
    ephemeralContainers: mergeBy('name'),
    hostAliases: mergeBy('ip'),
    imagePullSecrets: mergeBy('name'),
    initContainers: mergeBy('name'),
    resourceClaims: { ...mergeBy('name'), 'x-kubernetes-patch-strategy': 'merge,retainKeys', ...mapKeys('name') },
    schedulingGates: { ...mergeBy('name'), ...mapKeys('name') },
    topologySpreadConstraints: { ...mergeBy('topologyKey'), ...mapKeys('topologyKey', 'whenUnsatisfiable') },
    volumes: { ...mergeBy('name'), 'x-kubernetes-patch-strategy': 'merge,retainKeys' },
  },
  'io.k8s.api.core.v1.Container': CONTAINER_LISTS,
  'io.k8s.api.core.v1.EphemeralContainer': CONTAINER_LISTS,
  'io.k8s.api.core.v1.PodStatus': { ...CONDITIONS, podIPs: mergeBy('ip') },
  'io.k8s.api.core.v1.NodeStatus': { ...CONDITIONS, addresses: mergeBy('type') },
  'io.k8s.api.core.v1.NamespaceStatus': CONDITIONS,
  'io.k8s.api.core.v1.PersistentVolumeClaimStatus': CONDITIONS,
  'io.k8s.api.core.v1.ReplicationControllerStatus': CONDITIONS,
  'io.k8s.api.core.v1.ServiceSpec': {
    ports: { ...mergeBy('port'), ...mapKeys('port', 'protocol') },
    clusterIPs: { 'x-kubernetes-list-type': 'atomic' },
    ipFamilies: { 'x-kubernetes-list-type': 'atomic' },
  },
  'io.k8s.api.apps.v1.DeploymentSpec': { strategy: { 'x-kubernetes-patch-strategy': 'retainKeys' } },
  'io.k8s.api.apps.v1.DeploymentStatus': CONDITIONS,
  'io.k8s.api.apps.v1.ReplicaSetStatus': CONDITIONS,
  'io.k8s.api.apps.v1.DaemonSetStatus': CONDITIONS,
  'io.k8s.api.apps.v1.StatefulSetStatus': CONDITIONS,
  'io.k8s.api.batch.v1.JobStatus': CONDITIONS,
};

/** The fields of admissionregistration's `Rule` that RuleWithOperations embeds (`json:",inline"`). */
const ADMISSION_RULE: Record<string, SchemaNode> = {
  resources: {
    type: 'array',
    items: { type: 'string' },
    description: 'The resources this rule applies to: "pods", "pods/log" (subresources), "*" (all), "*/scale" (one subresource of all).',
    extensions: { 'x-kubernetes-list-type': 'atomic' },
  },
  scope: {
    type: 'string',
    description: 'The scope of this rule: "Cluster", "Namespaced" or "*" (default).',
  },
};

/**
 * Properties the `kubernetes-types` declarations lack: those of CRD schemas whose names are not
 * TypeScript identifiers, and the fields of structs Kubernetes embeds inline that the package
 * leaves out.
 */
export const EXTRA_PROPERTIES: Readonly<Record<string, Record<string, SchemaNode>>> = {
  'io.k8s.api.admissionregistration.v1.RuleWithOperations': ADMISSION_RULE,
  'io.k8s.api.admissionregistration.v1.NamedRuleWithOperations': ADMISSION_RULE,
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps': {
    'x-kubernetes-embedded-resource': {
      type: 'boolean',
      description: 'Marks an object that is a whole Kubernetes object with apiVersion, kind and metadata.',
    },
    'x-kubernetes-int-or-string': {
      type: 'boolean',
      description: 'Allows the value to be either an integer or a string.',
    },
    'x-kubernetes-list-map-keys': {
      type: 'array',
      items: { type: 'string' },
      description: 'For a list of type "map": the fields that identify an item.',
    },
    'x-kubernetes-list-type': {
      type: 'string',
      description: 'How a list merges: "atomic", "set" or "map".',
    },
    'x-kubernetes-map-type': {
      type: 'string',
      description: 'How a map merges: "granular" or "atomic".',
    },
    'x-kubernetes-preserve-unknown-fields': {
      type: 'boolean',
      description: 'Keeps fields that the schema does not declare instead of pruning them.',
    },
    'x-kubernetes-validations': {
      type: 'array',
      items: { ref: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.ValidationRule' },
      description: 'CEL validation rules for this value.',
      extensions: { ...mergeBy('rule'), ...mapKeys('rule') },
    },
  },
};

/** Definitions whose Kubernetes schema is not the plain shape of their TypeScript type. */
export const SPECIAL_DEFINITIONS: Readonly<Record<string, SchemaNode>> = {
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': { type: 'string', format: 'date-time' },
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': { type: 'string', format: 'date-time' },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: 'string', v3OneOfTypes: ['string', 'number'] },
  // Any JSON value: no type, so validators accept strings, numbers and objects alike.
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON': {},
};

/** The definition `number | string` properties refer to (inlined by `kubernetes-types`). */
export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
export const INT_OR_STRING_SCHEMA: SchemaNode = {
  type: 'string',
  format: 'int-or-string',
  v3OneOfTypes: ['integer', 'string'],
  description:
    'IntOrString holds either an int32 or a string. On the wire it is the bare JSON number or string.',
  extensions: { 'x-kubernetes-int-or-string': true },
};
