// Core (v1) defaults other than pods: Service, Secret, Namespace, PersistentVolume(Claim),
// ReplicationController, PodTemplate, Endpoints, Node, LimitRange (Kubernetes v1.33).
import type {
  Endpoints, LimitRange, Namespace, NamespaceStatus, Node, PersistentVolume, PersistentVolumeClaim,
  PersistentVolumeClaimStatus, PersistentVolumeStatus, PodTemplate, ReplicationController, Secret, Service, ServiceStatus,
} from 'kubernetes-types/core/v1.js';
import { defaultClaimSpec, defaultPodTemplateSpec } from './podspec.js';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * Service defaults. Cluster IP allocation is the API server's; the IP family fields are
 * filled for a single-stack IPv4 cluster, as the service REST storage does.
 */
export function defaultService(svc: Service): void {
  svc.spec ??= {};
  const spec = svc.spec;
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = (spec.sessionAffinityConfig ??= {});
    const clientIP = (cfg.clientIP ??= {});
    clientIP.timeoutSeconds ??= 10800;
  }
  if (!spec.type) spec.type = 'ClusterIP';
  for (const p of spec.ports ?? []) {
    if (!p.protocol) p.protocol = 'TCP';
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  const type = spec.type;
  if ((type === 'NodePort' || type === 'LoadBalancer') && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if ((type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP') && !spec.internalTrafficPolicy)
    spec.internalTrafficPolicy = 'Cluster';
  if (type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  if (type !== 'ExternalName') {
    if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
    if (!spec.clusterIP && spec.clusterIPs?.[0]) spec.clusterIP = spec.clusterIPs[0];
    const headlessWithoutSelector = spec.clusterIP === 'None' && Object.keys(spec.selector ?? {}).length === 0;
    if (!spec.ipFamilyPolicy) spec.ipFamilyPolicy = headlessWithoutSelector ? 'RequireDualStack' : 'SingleStack';
    if (!spec.ipFamilies?.length) spec.ipFamilies = ['IPv4'];
  }
  // LoadBalancerStatus is a value type: an empty one serializes as `loadBalancer: {}`.
  const status = ((svc as { status?: ServiceStatus }).status ??= {});
  status.loadBalancer ??= {};
}

/**
 * Secret defaults, and the v1 conversion of `stringData`: its entries are written into
 * `data` (base64), overriding keys already there, and the field is dropped.
 */
export function defaultSecret(secret: Secret): void {
  if (!secret.type) secret.type = 'Opaque';
  const stringData = secret.stringData;
  if (stringData && typeof stringData === 'object') {
    secret.data ??= {};
    for (const [k, v] of Object.entries(stringData)) if (typeof v === 'string') secret.data[k] = Buffer.from(v, 'utf8').toString('base64');
    delete secret.stringData;
  }
}

export function defaultNamespace(ns: Namespace): void {
  const name = ns.metadata?.name;
  if (name) {
    ns.metadata ??= {};
    ns.metadata.labels = { ...ns.metadata.labels, [NAMESPACE_NAME_LABEL]: name };
  }
  const status = ((ns as { status?: NamespaceStatus }).status ??= {});
  if (!status.phase) status.phase = 'Active';
}

/**
 * Create-only: every new namespace carries the `kubernetes` finalizer (it is removed later
 * by the namespace controller, so it must not be re-added on update).
 */
export function prepareNamespaceForCreate(ns: Namespace): void {
  ns.spec ??= {};
  const finalizers = (ns.spec.finalizers ??= []);
  if (!finalizers.includes('kubernetes')) finalizers.push('kubernetes');
  (ns as { status?: NamespaceStatus }).status = { ...ns.status, phase: 'Active' };
}

export function defaultPersistentVolumeClaim(pvc: PersistentVolumeClaim): void {
  pvc.spec ??= {};
  defaultClaimSpec(pvc.spec);
  const status = ((pvc as { status?: PersistentVolumeClaimStatus }).status ??= {});
  if (!status.phase) status.phase = 'Pending';
}

export function defaultPersistentVolume(pv: PersistentVolume): void {
  pv.spec ??= {};
  if (!pv.spec.persistentVolumeReclaimPolicy) pv.spec.persistentVolumeReclaimPolicy = 'Retain';
  if (!pv.spec.volumeMode) pv.spec.volumeMode = 'Filesystem';
  if (pv.spec.hostPath) pv.spec.hostPath.type ??= '';
  const status = ((pv as { status?: PersistentVolumeStatus }).status ??= {});
  if (!status.phase) status.phase = 'Pending';
}

export function defaultReplicationController(rc: ReplicationController): void {
  rc.spec ??= {};
  const labels = rc.spec.template?.metadata?.labels;
  if (labels) {
    if (Object.keys(rc.spec.selector ?? {}).length === 0) rc.spec.selector = { ...labels };
    rc.metadata ??= {};
    if (Object.keys(rc.metadata.labels ?? {}).length === 0) rc.metadata.labels = { ...labels };
  }
  rc.spec.replicas ??= 1;
  defaultPodTemplateSpec(rc.spec.template);
}

export function defaultPodTemplate(pt: PodTemplate): void {
  defaultPodTemplateSpec(pt.template);
}

export function defaultEndpoints(ep: Endpoints): void {
  for (const s of ep.subsets ?? []) for (const p of s.ports ?? []) if (!p.protocol) p.protocol = 'TCP';
}

export function defaultNode(node: Node): void {
  const status = node.status;
  if (status?.capacity && !status.allocatable) status.allocatable = { ...status.capacity };
}

export function defaultLimitRange(lr: LimitRange): void {
  for (const item of lr.spec?.limits ?? []) {
    if (item.type !== 'Container') continue;
    const def = { ...item.default };
    for (const [k, v] of Object.entries(item.max ?? {})) if (!(k in def)) def[k] = v;
    const req = { ...item.defaultRequest };
    for (const [k, v] of Object.entries(def)) if (!(k in req)) req[k] = v;
    for (const [k, v] of Object.entries(item.min ?? {})) if (!(k in req)) req[k] = v;
    if (Object.keys(def).length) item.default = def;
    if (Object.keys(req).length) item.defaultRequest = req;
  }
}
