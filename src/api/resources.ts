// The resource table: every built-in resource a kubectl user meets, with what discovery,
// routing, storage keys and short names need to know about it. The entries follow what a
// Kubernetes 1.33 API server lists in discovery (names, scope, verbs, short names,
// categories, subresources and the kinds they answer with).
import type { CustomResourceSpec } from './custom/types.js';
import type { GroupVersionKind } from './object.js';

export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

export interface SubresourceInfo {
  /** "status", "scale", "log", "exec", "attach", "portforward", "binding", "eviction", "proxy", "token". */
  name: string;
  /** The kind the subresource answers with (e.g. autoscaling/v1 Scale for "scale"). */
  kind: GroupVersionKind;
  verbs: readonly string[];
}

export interface ResourceInfo {
  group: string;
  /** Served version; the storage version too (one version per resource in k8ts). */
  version: string;
  kind: string;
  listKind: string;
  /** Lower-case plural, the URL segment: "pods". */
  plural: string;
  /** Lower-case singular: "pod". */
  singular: string;
  namespaced: boolean;
  verbs: readonly Verb[];
  shortNames: readonly string[];
  categories: readonly string[];
  subresources: readonly SubresourceInfo[];
  /** Other versions this resource is also served at (e.g. autoscaling v1 and v2). */
  alsoServedAt?: readonly string[];
  /**
   * Never stored: create-only kinds (reviews, bindings, token requests) and kinds computed on
   * read (componentstatuses).
   */
  virtual?: boolean;
  /**
   * Set for a custom resource, served from a CustomResourceDefinition at run time (the API
   * server's resource catalog owns those): its schemas, printer columns and scale paths.
   */
  custom?: CustomResourceSpec;
}

/** A served API group with its versions, preferred version first (as discovery lists them). */
export interface GroupVersions {
  group: string;
  versions: readonly string[];
  preferredVersion: string;
}

const ALL: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const NO_COLLECTION_DELETE: readonly Verb[] = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const CREATE_ONLY: readonly Verb[] = ['create'];
const READ_WRITE = ['get', 'patch', 'update'] as const;
const PROXY_VERBS = ['create', 'delete', 'get', 'patch', 'update'] as const;
const STREAM_VERBS = ['create', 'get'] as const;

type Spec = Partial<Omit<ResourceInfo, 'group' | 'version' | 'kind' | 'plural' | 'namespaced'>> &
  Pick<ResourceInfo, 'group' | 'version' | 'kind' | 'plural' | 'namespaced'>;

function resource(spec: Spec): ResourceInfo {
  return {
    listKind: `${spec.kind}List`,
    singular: spec.kind.toLowerCase(),
    verbs: ALL,
    shortNames: [],
    categories: [],
    subresources: [],
    ...spec,
  };
}

function sub(name: string, kind: GroupVersionKind, verbs: readonly string[]): SubresourceInfo {
  return { name, kind, verbs };
}

/** The `status` subresource answers with the resource's own kind. */
function status(group: string, version: string, kind: string): SubresourceInfo {
  return sub('status', { group, version, kind }, READ_WRITE);
}

const SCALE: SubresourceInfo = sub('scale', { group: 'autoscaling', version: 'v1', kind: 'Scale' }, READ_WRITE);

function core(kind: string, plural: string, namespaced: boolean, rest: Partial<Spec> = {}): ResourceInfo {
  return resource({ group: '', version: 'v1', kind, plural, namespaced, ...rest });
}

function grouped(gv: string, kind: string, plural: string, namespaced: boolean, rest: Partial<Spec> = {}): ResourceInfo {
  const [group = '', version = ''] = gv.split('/');
  return resource({ group, version, kind, plural, namespaced, ...rest });
}

const v1 = (kind: string): GroupVersionKind => ({ group: '', version: 'v1', kind });

const CORE: readonly ResourceInfo[] = [
  core('Binding', 'bindings', true, { verbs: CREATE_ONLY, virtual: true }),
  core('ComponentStatus', 'componentstatuses', false, { verbs: ['get', 'list'], shortNames: ['cs'], virtual: true }),
  core('ConfigMap', 'configmaps', true, { shortNames: ['cm'] }),
  core('Endpoints', 'endpoints', true, { shortNames: ['ep'] }),
  core('Event', 'events', true, { shortNames: ['ev'] }),
  core('LimitRange', 'limitranges', true, { shortNames: ['limits'] }),
  core('Namespace', 'namespaces', false, {
    verbs: NO_COLLECTION_DELETE,
    shortNames: ['ns'],
    subresources: [sub('finalize', v1('Namespace'), ['update']), status('', 'v1', 'Namespace')],
  }),
  core('Node', 'nodes', false, {
    shortNames: ['no'],
    subresources: [sub('proxy', v1('NodeProxyOptions'), PROXY_VERBS), status('', 'v1', 'Node')],
  }),
  core('PersistentVolumeClaim', 'persistentvolumeclaims', true, {
    shortNames: ['pvc'],
    subresources: [status('', 'v1', 'PersistentVolumeClaim')],
  }),
  core('PersistentVolume', 'persistentvolumes', false, {
    shortNames: ['pv'],
    subresources: [status('', 'v1', 'PersistentVolume')],
  }),
  core('Pod', 'pods', true, {
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      sub('attach', v1('PodAttachOptions'), STREAM_VERBS),
      sub('binding', v1('Binding'), ['create']),
      sub('ephemeralcontainers', v1('Pod'), READ_WRITE),
      sub('eviction', { group: 'policy', version: 'v1', kind: 'Eviction' }, ['create']),
      sub('exec', v1('PodExecOptions'), STREAM_VERBS),
      sub('log', v1('Pod'), ['get']),
      sub('portforward', v1('PodPortForwardOptions'), STREAM_VERBS),
      sub('proxy', v1('PodProxyOptions'), PROXY_VERBS),
      sub('resize', v1('Pod'), READ_WRITE),
      status('', 'v1', 'Pod'),
    ],
  }),
  core('PodTemplate', 'podtemplates', true),
  core('ReplicationController', 'replicationcontrollers', true, {
    shortNames: ['rc'],
    categories: ['all'],
    subresources: [SCALE, status('', 'v1', 'ReplicationController')],
  }),
  core('ResourceQuota', 'resourcequotas', true, {
    shortNames: ['quota'],
    subresources: [status('', 'v1', 'ResourceQuota')],
  }),
  core('Secret', 'secrets', true),
  core('ServiceAccount', 'serviceaccounts', true, {
    shortNames: ['sa'],
    subresources: [sub('token', { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }, ['create'])],
  }),
  core('Service', 'services', true, {
    shortNames: ['svc'],
    categories: ['all'],
    subresources: [sub('proxy', v1('ServiceProxyOptions'), PROXY_VERBS), status('', 'v1', 'Service')],
  }),
];

const APPS: readonly ResourceInfo[] = [
  grouped('apps/v1', 'ControllerRevision', 'controllerrevisions', true),
  grouped('apps/v1', 'DaemonSet', 'daemonsets', true, {
    shortNames: ['ds'],
    categories: ['all'],
    subresources: [status('apps', 'v1', 'DaemonSet')],
  }),
  grouped('apps/v1', 'Deployment', 'deployments', true, {
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: [SCALE, status('apps', 'v1', 'Deployment')],
  }),
  grouped('apps/v1', 'ReplicaSet', 'replicasets', true, {
    shortNames: ['rs'],
    categories: ['all'],
    subresources: [SCALE, status('apps', 'v1', 'ReplicaSet')],
  }),
  grouped('apps/v1', 'StatefulSet', 'statefulsets', true, {
    shortNames: ['sts'],
    categories: ['all'],
    subresources: [SCALE, status('apps', 'v1', 'StatefulSet')],
  }),
];

const API_EXTENSIONS = ['api-extensions'] as const;

const GROUPS: readonly ResourceInfo[] = [
  grouped('events.k8s.io/v1', 'Event', 'events', true, { shortNames: ['ev'] }),

  grouped('authentication.k8s.io/v1', 'SelfSubjectReview', 'selfsubjectreviews', false, { verbs: CREATE_ONLY, virtual: true }),
  grouped('authentication.k8s.io/v1', 'TokenReview', 'tokenreviews', false, { verbs: CREATE_ONLY, virtual: true }),

  grouped('authorization.k8s.io/v1', 'LocalSubjectAccessReview', 'localsubjectaccessreviews', true, {
    verbs: CREATE_ONLY,
    virtual: true,
  }),
  grouped('authorization.k8s.io/v1', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews', false, {
    verbs: CREATE_ONLY,
    virtual: true,
  }),
  grouped('authorization.k8s.io/v1', 'SelfSubjectRulesReview', 'selfsubjectrulesreviews', false, {
    verbs: CREATE_ONLY,
    virtual: true,
  }),
  grouped('authorization.k8s.io/v1', 'SubjectAccessReview', 'subjectaccessreviews', false, {
    verbs: CREATE_ONLY,
    virtual: true,
  }),

  grouped('autoscaling/v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, {
    shortNames: ['hpa'],
    categories: ['all'],
    subresources: [status('autoscaling', 'v2', 'HorizontalPodAutoscaler')],
    alsoServedAt: ['v1'],
  }),

  grouped('batch/v1', 'CronJob', 'cronjobs', true, {
    shortNames: ['cj'],
    categories: ['all'],
    subresources: [status('batch', 'v1', 'CronJob')],
  }),
  grouped('batch/v1', 'Job', 'jobs', true, { categories: ['all'], subresources: [status('batch', 'v1', 'Job')] }),

  grouped('certificates.k8s.io/v1', 'CertificateSigningRequest', 'certificatesigningrequests', false, {
    shortNames: ['csr'],
    subresources: [
      sub('approval', { group: 'certificates.k8s.io', version: 'v1', kind: 'CertificateSigningRequest' }, READ_WRITE),
      status('certificates.k8s.io', 'v1', 'CertificateSigningRequest'),
    ],
  }),

  grouped('networking.k8s.io/v1', 'IngressClass', 'ingressclasses', false),
  grouped('networking.k8s.io/v1', 'Ingress', 'ingresses', true, {
    shortNames: ['ing'],
    subresources: [status('networking.k8s.io', 'v1', 'Ingress')],
  }),
  grouped('networking.k8s.io/v1', 'NetworkPolicy', 'networkpolicies', true, { shortNames: ['netpol'] }),

  grouped('policy/v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, {
    shortNames: ['pdb'],
    subresources: [status('policy', 'v1', 'PodDisruptionBudget')],
  }),

  grouped('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'clusterrolebindings', false),
  grouped('rbac.authorization.k8s.io/v1', 'ClusterRole', 'clusterroles', false),
  grouped('rbac.authorization.k8s.io/v1', 'RoleBinding', 'rolebindings', true),
  grouped('rbac.authorization.k8s.io/v1', 'Role', 'roles', true),

  grouped('storage.k8s.io/v1', 'CSIDriver', 'csidrivers', false),
  grouped('storage.k8s.io/v1', 'CSINode', 'csinodes', false),
  grouped('storage.k8s.io/v1', 'CSIStorageCapacity', 'csistoragecapacities', true),
  grouped('storage.k8s.io/v1', 'StorageClass', 'storageclasses', false, { shortNames: ['sc'] }),
  grouped('storage.k8s.io/v1', 'VolumeAttachment', 'volumeattachments', false, {
    subresources: [status('storage.k8s.io', 'v1', 'VolumeAttachment')],
  }),

  grouped('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', false, {
    categories: API_EXTENSIONS,
  }),
  grouped('admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicy', 'validatingadmissionpolicies', false, {
    categories: API_EXTENSIONS,
    subresources: [status('admissionregistration.k8s.io', 'v1', 'ValidatingAdmissionPolicy')],
  }),
  grouped('admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicyBinding', 'validatingadmissionpolicybindings', false, {
    categories: API_EXTENSIONS,
  }),
  grouped('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', false, {
    categories: API_EXTENSIONS,
  }),

  grouped('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, {
    shortNames: ['crd', 'crds'],
    categories: API_EXTENSIONS,
    subresources: [status('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition')],
  }),

  grouped('apiregistration.k8s.io/v1', 'APIService', 'apiservices', false, {
    categories: API_EXTENSIONS,
    subresources: [status('apiregistration.k8s.io', 'v1', 'APIService')],
  }),

  grouped('scheduling.k8s.io/v1', 'PriorityClass', 'priorityclasses', false, { shortNames: ['pc'] }),

  grouped('coordination.k8s.io/v1', 'Lease', 'leases', true),

  grouped('node.k8s.io/v1', 'RuntimeClass', 'runtimeclasses', false),

  grouped('discovery.k8s.io/v1', 'EndpointSlice', 'endpointslices', true),

  grouped('flowcontrol.apiserver.k8s.io/v1', 'FlowSchema', 'flowschemas', false, {
    subresources: [status('flowcontrol.apiserver.k8s.io', 'v1', 'FlowSchema')],
  }),
  grouped('flowcontrol.apiserver.k8s.io/v1', 'PriorityLevelConfiguration', 'prioritylevelconfigurations', false, {
    subresources: [status('flowcontrol.apiserver.k8s.io', 'v1', 'PriorityLevelConfiguration')],
  }),
];

/**
 * Groups in the order `/apis` lists them: Kubernetes sorts by group priority (the aggregator's
 * built-in priorities), highest first, and by name on ties. The core group ("") comes first.
 */
const GROUP_ORDER: readonly string[] = [
  '',
  'apiregistration.k8s.io',
  'apps',
  'events.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'networking.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'node.k8s.io',
  'discovery.k8s.io',
  'flowcontrol.apiserver.k8s.io',
];

/** Every built-in resource, in discovery order (core first, then groups; by plural within a group). */
export const RESOURCES: readonly ResourceInfo[] = [...CORE, ...APPS, ...GROUPS].sort(
  (a, b) => groupRank(a.group) - groupRank(b.group) || compare(a.plural, b.plural),
);

function groupRank(group: string): number {
  const i = GROUP_ORDER.indexOf(group);
  return i < 0 ? GROUP_ORDER.length : i;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function servedVersions(r: ResourceInfo): readonly string[] {
  return r.alsoServedAt ? [r.version, ...r.alsoServedAt] : [r.version];
}

// Lookup maps, built once at first use (not at import, so importing the table stays cheap).
interface Indexes {
  byPath: Map<string, ResourceInfo>;
  byKind: Map<string, ResourceInfo>;
  byGroupVersion: Map<string, ResourceInfo[]>;
  groups: GroupVersions[];
}
let indexes: Indexes | undefined;

function index(): Indexes {
  if (indexes) return indexes;
  const byPath = new Map<string, ResourceInfo>();
  const byKind = new Map<string, ResourceInfo>();
  const byGroupVersion = new Map<string, ResourceInfo[]>();
  const versionsByGroup = new Map<string, string[]>();
  for (const r of RESOURCES) {
    for (const version of servedVersions(r)) {
      byPath.set(`${r.group}/${version}/${r.plural}`, r);
      byKind.set(`${r.group}/${version}/${r.kind}`, r);
      const gv = `${r.group}/${version}`;
      const list = byGroupVersion.get(gv) ?? [];
      list.push(r);
      byGroupVersion.set(gv, list);
      const versions = versionsByGroup.get(r.group) ?? [];
      if (!versions.includes(version)) versions.push(version);
      versionsByGroup.set(r.group, versions);
    }
  }
  const groups: GroupVersions[] = [];
  for (const [group, versions] of versionsByGroup) {
    const sorted = [...versions].sort(compareVersions);
    groups.push({ group, versions: sorted, preferredVersion: sorted[0] ?? 'v1' });
  }
  groups.sort((a, b) => groupRank(a.group) - groupRank(b.group) || compare(a.group, b.group));
  indexes = { byPath, byKind, byGroupVersion, groups };
  return indexes;
}

/**
 * Kubernetes version priority: GA before beta before alpha, higher numbers first
 * (v2 > v1 > v1beta2 > v1beta1 > v1alpha1); anything else last, alphabetically.
 */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (!pa || !pb) return pa ? -1 : pb ? 1 : compare(a, b);
  return pb.stability - pa.stability || pb.major - pa.major || pb.minor - pa.minor;
}

function parseVersion(v: string): { major: number; stability: number; minor: number } | undefined {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
  if (!m) return undefined;
  const stability = m[2] === 'alpha' ? 0 : m[2] === 'beta' ? 1 : 2;
  return { major: Number(m[1]), stability, minor: m[3] ? Number(m[3]) : 0 };
}

/** The resource served at /api(s)/{group}/{version}/{plural}, if any. */
export function findResource(group: string, version: string, plural: string): ResourceInfo | undefined {
  return index().byPath.get(`${group}/${version}/${plural}`);
}

/** The resource storing objects of this kind (served at `version` or `alsoServedAt`). */
export function findResourceByKind(gvk: GroupVersionKind): ResourceInfo | undefined {
  return index().byKind.get(`${gvk.group}/${gvk.version}/${gvk.kind}`);
}

/** The resources served at one group/version, in discovery order. */
export function resourcesAt(group: string, version: string): readonly ResourceInfo[] {
  return index().byGroupVersion.get(`${group}/${version}`) ?? [];
}

/** Served groups with their versions (preferred first), core group ("") first, in `/apis` order. */
export function groupVersions(): readonly GroupVersions[] {
  return index().groups;
}

/** "pods", "deployments.apps": the group-qualified resource name used in error messages. */
export function groupResource(r: Pick<ResourceInfo, 'group' | 'plural'>): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

/**
 * The storage key of one object: `/registry/<group or "core">/<plural>/<namespace>/<name>`,
 * without the namespace segment for cluster-scoped resources.
 */
export function storageKey(r: Pick<ResourceInfo, 'group' | 'plural' | 'namespaced'>, namespace: string, name: string): string {
  return r.namespaced ? `${storagePrefix(r, namespace)}${name}` : `${storagePrefix(r)}${name}`;
}

/**
 * The key prefix holding every object of the resource, or only those of one namespace when
 * `namespace` is given (ignored for cluster-scoped resources). Ends with "/" so that one
 * prefix never matches a sibling ("pods" vs "podsx", namespace "a" vs "ab").
 */
export function storagePrefix(r: Pick<ResourceInfo, 'group' | 'plural' | 'namespaced'>, namespace?: string): string {
  const base = `/registry/${r.group || 'core'}/${r.plural}/`;
  return r.namespaced && namespace ? `${base}${namespace}/` : base;
}
