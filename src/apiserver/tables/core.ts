// Table layouts for the core (v1) group, as Kubernetes' printers define them.
import type {
  ComponentStatus,
  ConfigMap,
  Endpoints,
  Event,
  Namespace,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  PodTemplate,
  ReplicationController,
  ResourceQuota,
  Secret,
  Service,
  ServiceAccount,
  ServicePort,
} from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import { age, containerCells, formatLabels, since, view } from './format.js';
import { AGE, CONTAINERS, IMAGES, NAME, column, layout, wide, type TableLayout } from './layout.js';
import { podSummary } from './pod-status.js';

const name = (o: KubeObject): string => o.metadata?.name ?? '';

const pods: TableLayout = layout(
  [
    NAME,
    column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'string', 'The aggregate status of the containers in this pod.'),
    column(
      'Restarts',
      'string',
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    ),
    AGE,
    wide('IP', 'string', 'PodStatus.podIP'),
    wide('Node', 'string', 'PodSpec.nodeName'),
    wide('Nominated Node', 'string', 'PodStatus.nominatedNodeName'),
    wide('Readiness Gates', 'string', 'PodSpec.readinessGates'),
  ],
  (o, now) => {
    const pod = view<Pod>(o);
    const s = podSummary(pod, now);
    const ip = pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || '<none>';
    let gates = '<none>';
    const wanted = pod.spec?.readinessGates ?? [];
    if (wanted.length > 0) {
      const conditions = pod.status?.conditions ?? [];
      const met = wanted.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length;
      gates = `${met}/${wanted.length}`;
    }
    return [
      name(o),
      s.ready,
      s.status,
      s.restarts,
      age(o, now),
      ip,
      pod.spec?.nodeName || '<none>',
      pod.status?.nominatedNodeName || '<none>',
      gates,
    ];
  },
);

/** `80/TCP`, `80:30080/TCP`, comma-joined (makePortString). */
export function servicePorts(ports: readonly ServicePort[] | undefined): string {
  return (ports ?? [])
    .map((p) => {
      const protocol = p.protocol ?? 'TCP';
      return p.nodePort ? `${p.port}:${p.nodePort}/${protocol}` : `${p.port}/${protocol}`;
    })
    .join(',');
}

/** Load-balancer ingress IPs (or hostnames), de-duplicated and sorted. */
function loadBalancerAddresses(ingress: readonly { ip?: string; hostname?: string }[] | undefined): string[] {
  const set = new Set<string>();
  for (const i of ingress ?? []) {
    if (i.ip) set.add(i.ip);
    else if (i.hostname) set.add(i.hostname);
  }
  return [...set].sort();
}

/** The EXTERNAL-IP cell: external IPs, load-balancer addresses, `<pending>` or `<none>`. */
export function serviceExternalIP(svc: Service): string {
  const external = svc.spec?.externalIPs ?? [];
  switch (svc.spec?.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return external.length > 0 ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerAddresses(svc.status?.loadBalancer?.ingress);
      if (external.length > 0) return [...lb, ...external].join(',');
      return lb.length > 0 ? lb.join(',') : '<pending>';
    }
    case 'ExternalName':
      return svc.spec?.externalName ?? '';
    default:
      return '<unknown>';
  }
}

const services: TableLayout = layout(
  [
    NAME,
    column('Type', 'string', 'ServiceSpec.type'),
    column('Cluster-IP', 'string', 'ServiceSpec.clusterIP'),
    column('External-IP', 'string', 'ServiceSpec.externalIPs'),
    column('Port(s)', 'string', 'ServiceSpec.ports'),
    AGE,
    wide('Selector', 'string', 'ServiceSpec.selector'),
  ],
  (o, now) => {
    const svc = view<Service>(o);
    const clusterIP = svc.spec?.clusterIPs?.[0] || svc.spec?.clusterIP || '<none>';
    const ports = servicePorts(svc.spec?.ports) || '<none>';
    return [name(o), svc.spec?.type ?? '', clusterIP, serviceExternalIP(svc), ports, age(o, now), formatLabels(svc.spec?.selector)];
  },
);

const ROLE_PREFIX = 'node-role.kubernetes.io/';

function nodeRoles(node: Node): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith(ROLE_PREFIX) && k.length > ROLE_PREFIX.length) roles.add(k.slice(ROLE_PREFIX.length));
    else if (k === 'kubernetes.io/role' && v !== '') roles.add(v);
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

/** `Ready`, `NotReady`, `Unknown`, with `,SchedulingDisabled` for a cordoned node. */
export function nodeStatus(node: Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const status = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

function nodeAddress(node: Node, type: string): string {
  return node.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';
}

const nodes: TableLayout = layout(
  [
    NAME,
    column('Status', 'string', 'The status of the node'),
    column('Roles', 'string', 'The roles of the node'),
    AGE,
    column('Version', 'string', 'NodeSystemInfo.kubeletVersion'),
    wide('Internal-IP', 'string', 'NodeStatus.addresses'),
    wide('External-IP', 'string', 'NodeStatus.addresses'),
    wide('OS-Image', 'string', 'NodeSystemInfo.osImage'),
    wide('Kernel-Version', 'string', 'NodeSystemInfo.kernelVersion'),
    wide('Container-Runtime', 'string', 'NodeSystemInfo.containerRuntimeVersion'),
  ],
  (o, now) => {
    const node = view<Node>(o);
    const info = node.status?.nodeInfo;
    return [
      name(o),
      nodeStatus(node),
      nodeRoles(node),
      age(o, now),
      info?.kubeletVersion ?? '',
      nodeAddress(node, 'InternalIP'),
      nodeAddress(node, 'ExternalIP'),
      info?.osImage || '<unknown>',
      info?.kernelVersion || '<unknown>',
      info?.containerRuntimeVersion || '<unknown>',
    ];
  },
);

const namespaces = layout([NAME, column('Status', 'string', 'The status of the namespace'), AGE], (o, now) => [
  name(o),
  view<Namespace>(o).status?.phase ?? '',
  age(o, now),
]);

const configmaps = layout([NAME, column('Data', 'string', 'ConfigMap.data'), AGE], (o, now) => {
  const cm = view<ConfigMap>(o);
  return [name(o), Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length, age(o, now)];
});

const secrets = layout(
  [NAME, column('Type', 'string', 'Secret.type'), column('Data', 'string', 'Secret.data'), AGE],
  (o, now) => {
    const s = view<Secret>(o);
    return [name(o), s.type ?? '', Object.keys(s.data ?? {}).length, age(o, now)];
  },
);

const serviceaccounts = layout([NAME, column('Secrets', 'string', 'ServiceAccount.secrets'), AGE], (o, now) => [
  name(o),
  view<ServiceAccount>(o).secrets?.length ?? 0,
  age(o, now),
]);

/** `10.0.0.1:80,10.0.0.2:80 + 3 more...`, or `<none>` (formatEndpoints). */
export function endpointsCell(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  let count = 0;
  const max = 3;
  const add = (text: string): void => {
    if (list.length < max) list.push(text);
    count++;
  };
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    if (!ss.ports || ss.ports.length === 0) {
      for (const a of addresses) add(a.ip);
    } else {
      for (const p of ss.ports) for (const a of addresses) add(a.ip.includes(':') ? `[${a.ip}]:${p.port}` : `${a.ip}:${p.port}`);
    }
  }
  const text = list.join(',');
  return count > max ? `${text} + ${count - max} more...` : text;
}

const endpoints = layout([NAME, column('Endpoints', 'string', 'Endpoints.subsets'), AGE], (o, now) => [
  name(o),
  endpointsCell(view<Endpoints>(o)),
  age(o, now),
]);

/** The fields the event printer reads, from either a core or an events.k8s.io Event. */
interface EventView {
  type: string;
  reason: string;
  message: string;
  kind: string;
  objectName: string;
  fieldPath: string;
  sourceComponent: string;
  sourceHost: string;
  reportingController: string;
  reportingInstance: string;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  count?: number;
  series?: { count?: number; lastObservedTime?: string };
}

interface ModernEvent {
  regarding?: { kind?: string; name?: string; fieldPath?: string };
  note?: string;
  deprecatedSource?: { component?: string; host?: string };
  deprecatedFirstTimestamp?: string;
  deprecatedLastTimestamp?: string;
  deprecatedCount?: number;
}

function eventView(o: KubeObject): EventView {
  const core = view<Event>(o);
  const modern = view<ModernEvent>(o);
  const ref = core.involvedObject ?? modern.regarding ?? {};
  const source = core.source ?? modern.deprecatedSource ?? {};
  return {
    type: core.type ?? '',
    reason: core.reason ?? '',
    message: core.message ?? modern.note ?? '',
    kind: ref.kind ?? '',
    objectName: ref.name ?? '',
    fieldPath: ref.fieldPath ?? '',
    sourceComponent: source.component ?? '',
    sourceHost: source.host ?? '',
    reportingController: core.reportingComponent ?? (typeof o['reportingController'] === 'string' ? o['reportingController'] : ''),
    reportingInstance: core.reportingInstance ?? '',
    firstTimestamp: core.firstTimestamp ?? modern.deprecatedFirstTimestamp,
    lastTimestamp: core.lastTimestamp ?? modern.deprecatedLastTimestamp,
    eventTime: core.eventTime,
    count: core.count ?? modern.deprecatedCount,
    series: core.series,
  };
}

const events: TableLayout = layout(
  [
    column('Last Seen', 'string', 'Event.lastTimestamp'),
    column('Type', 'string', 'Event.type'),
    column('Reason', 'string', 'Event.reason'),
    column('Object', 'string', 'Event.involvedObject'),
    wide('Subobject', 'string', 'ObjectReference.fieldPath'),
    wide('Source', 'string', 'Event.source'),
    column('Message', 'string', 'Event.message'),
    wide('First Seen', 'string', 'Event.firstTimestamp'),
    wide('Count', 'string', 'Event.count'),
    column('Name', 'string', 'ObjectMeta.name', { priority: 1, format: 'name' }),
  ],
  (o, now) => {
    const e = eventView(o);
    const first = e.firstTimestamp ? since(e.firstTimestamp, now) : since(e.eventTime, now);
    let last = e.lastTimestamp ? since(e.lastTimestamp, now) : first;
    let count = e.count ?? 0;
    if (e.series) {
      last = since(e.series.lastObservedTime, now);
      count = e.series.count ?? 0;
    } else if (count === 0) {
      count = 1; // singleton events carry no count in the events.k8s.io API
    }
    const target = e.objectName ? `${e.kind.toLowerCase()}/${e.objectName}` : e.kind.toLowerCase();
    const component = e.sourceComponent || e.reportingController;
    const instance = e.sourceHost || e.reportingInstance;
    const source = instance ? `${component}, ${instance}` : component;
    return [last, e.type, e.reason, target, e.fieldPath, source, e.message.trim(), first, count, name(o)];
  },
);

const ACCESS_MODES: readonly [string, string][] = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];

/** `RWO,RWX`: access modes abbreviated, in Kubernetes' fixed order. */
export function accessModes(modes: readonly string[] | undefined): string {
  return ACCESS_MODES.filter(([m]) => modes?.includes(m)).map(([, s]) => s).join(',');
}

function storageClassOf(o: KubeObject, specClass: string | undefined): string {
  return o.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? specClass ?? '';
}

const persistentvolumes = layout(
  [
    NAME,
    column('Capacity', 'string', 'PersistentVolumeSpec.capacity'),
    column('Access Modes', 'string', 'PersistentVolumeSpec.accessModes'),
    column('Reclaim Policy', 'string', 'PersistentVolumeSpec.persistentVolumeReclaimPolicy'),
    column('Status', 'string', 'PersistentVolumeStatus.phase'),
    column('Claim', 'string', 'PersistentVolumeSpec.claimRef'),
    column('StorageClass', 'string', 'StorageClass of the pv'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    column('Reason', 'string', 'PersistentVolumeStatus.reason'),
    AGE,
    wide('VolumeMode', 'string', 'PersistentVolumeSpec.volumeMode'),
  ],
  (o, now) => {
    const pv = view<PersistentVolume>(o);
    const claim = pv.spec?.claimRef ? `${pv.spec.claimRef.namespace ?? ''}/${pv.spec.claimRef.name ?? ''}` : '';
    const phase = o.metadata?.deletionTimestamp ? 'Terminating' : (pv.status?.phase ?? '');
    const vac = (pv.spec as { volumeAttributesClassName?: string } | undefined)?.volumeAttributesClassName;
    return [
      name(o),
      pv.spec?.capacity?.['storage'] ?? '0',
      accessModes(pv.spec?.accessModes),
      pv.spec?.persistentVolumeReclaimPolicy ?? '',
      phase,
      claim,
      storageClassOf(o, pv.spec?.storageClassName),
      vac ?? '<unset>',
      pv.status?.reason ?? '',
      age(o, now),
      pv.spec?.volumeMode ?? '<unset>',
    ];
  },
);

const persistentvolumeclaims = layout(
  [
    NAME,
    column('Status', 'string', 'PersistentVolumeClaimStatus.phase'),
    column('Volume', 'string', 'PersistentVolumeClaimSpec.volumeName'),
    column('Capacity', 'string', 'PersistentVolumeClaimStatus.capacity'),
    column('Access Modes', 'string', 'PersistentVolumeClaimStatus.accessModes'),
    column('StorageClass', 'string', 'StorageClass of the pvc'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    AGE,
    wide('VolumeMode', 'string', 'PersistentVolumeClaimSpec.volumeMode'),
  ],
  (o, now) => {
    const pvc = view<PersistentVolumeClaim>(o);
    const phase = o.metadata?.deletionTimestamp ? 'Terminating' : (pvc.status?.phase ?? '');
    const bound = Boolean(pvc.spec?.volumeName);
    const vac = pvc.spec?.volumeAttributesClassName;
    return [
      name(o),
      phase,
      pvc.spec?.volumeName ?? '',
      bound ? (pvc.status?.capacity?.['storage'] ?? '0') : '',
      bound ? accessModes(pvc.status?.accessModes) : '',
      storageClassOf(o, pvc.spec?.storageClassName),
      vac ?? '<unset>',
      age(o, now),
      pvc.spec?.volumeMode ?? '<unset>',
    ];
  },
);

const replicationcontrollers = layout(
  [
    NAME,
    column('Desired', 'integer', 'ReplicationControllerSpec.replicas'),
    column('Current', 'integer', 'ReplicationControllerStatus.replicas'),
    column('Ready', 'integer', 'ReplicationControllerStatus.readyReplicas'),
    AGE,
    CONTAINERS,
    IMAGES,
    wide('Selector', 'string', 'ReplicationControllerSpec.selector'),
  ],
  (o, now) => {
    const rc = view<ReplicationController>(o);
    const [names, images] = containerCells(rc.spec?.template?.spec?.containers);
    return [
      name(o),
      rc.spec?.replicas ?? 1,
      rc.status?.replicas ?? 0,
      rc.status?.readyReplicas ?? 0,
      age(o, now),
      names,
      images,
      formatLabels(rc.spec?.selector),
    ];
  },
);

const resourcequotas = layout(
  [
    NAME,
    AGE,
    column('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    column(
      'Limit',
      'string',
      'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.',
    ),
  ],
  (o, now) => {
    const q = view<ResourceQuota>(o);
    const hard = q.status?.hard ?? {};
    const used = q.status?.used ?? {};
    const requests: string[] = [];
    const limits: string[] = [];
    for (const r of Object.keys(hard).sort()) {
      const entry = `${r}: ${used[r] ?? '0'}/${hard[r] ?? '0'}`;
      const parts = r.split('.');
      (parts.length > 1 && parts[0] === 'limits' ? limits : requests).push(entry);
    }
    return [name(o), age(o, now), requests.join(', '), limits.join(', ')];
  },
);

const podtemplates = layout(
  [
    NAME,
    column('Containers', 'string', 'Names of each container in the template.'),
    column('Images', 'string', 'Images referenced by each container in the template.'),
    column('Pod Labels', 'string', 'The labels for the pod template.'),
  ],
  (o) => {
    const t = view<PodTemplate>(o);
    const [names, images] = containerCells(t.template?.spec?.containers);
    return [name(o), names, images, formatLabels(t.template?.metadata?.labels)];
  },
);

const componentstatuses = layout(
  [
    NAME,
    column('Status', 'string', 'Status of the component conditions'),
    column('Message', 'string', 'Message of the component conditions'),
    column('Error', 'string', 'Error of the component conditions'),
  ],
  (o) => {
    const cs = view<ComponentStatus>(o);
    const healthy = cs.conditions?.find((c) => c.type === 'Healthy');
    const status = healthy ? (healthy.status === 'True' ? 'Healthy' : 'Unhealthy') : 'Unknown';
    return [name(o), status, healthy?.message ?? '', healthy?.error ?? ''];
  },
);

/** Core layouts by plural. Event layouts also serve events.k8s.io. */
export const CORE_LAYOUTS: Readonly<Record<string, TableLayout>> = {
  pods,
  services,
  nodes,
  namespaces,
  configmaps,
  secrets,
  serviceaccounts,
  endpoints,
  events,
  persistentvolumes,
  persistentvolumeclaims,
  replicationcontrollers,
  resourcequotas,
  podtemplates,
  componentstatuses,
};
