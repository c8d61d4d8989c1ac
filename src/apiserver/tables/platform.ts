// Table layouts for the cluster-platform groups: rbac, storage, scheduling, policy,
// certificates, coordination, admissionregistration, node, flowcontrol and autoscaling.
import type {
  MutatingWebhookConfiguration,
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
  ValidatingWebhookConfiguration,
} from 'kubernetes-types/admissionregistration/v1.js';
import type { HorizontalPodAutoscaler, MetricSpec, MetricStatus } from 'kubernetes-types/autoscaling/v2.js';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { FlowSchema, PriorityLevelConfiguration } from 'kubernetes-types/flowcontrol/v1.js';
import type { RuntimeClass } from 'kubernetes-types/node/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { ClusterRoleBinding, RoleBinding, Subject } from 'kubernetes-types/rbac/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { CSIDriver, CSINode, CSIStorageCapacity, StorageClass, VolumeAttachment } from 'kubernetes-types/storage/v1.js';
import type { KubeObject } from '../../api/object.js';
import { labelSelectorFromObject } from '../../api/selectors/labels.js';
import { age, humanDuration, intOrString, view } from './format.js';
import { AGE, NAME, column, layout, wide, type TableLayout } from './layout.js';

const name = (o: KubeObject): string => o.metadata?.name ?? '';

// ---- rbac.authorization.k8s.io ----

function subjectLists(subjects: readonly Subject[] | undefined): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const serviceAccounts: string[] = [];
  for (const s of subjects ?? []) {
    if (s.kind === 'User') users.push(s.name);
    else if (s.kind === 'Group') groups.push(s.name);
    else if (s.kind === 'ServiceAccount') serviceAccounts.push(`${s.namespace ?? ''}:${s.name}`);
  }
  return [users.join(', '), groups.join(', '), serviceAccounts.join(', ')];
}

function bindingLayout(what: 'roleBinding' | 'clusterRoleBinding', roleDoc: 'RoleBinding.roleRef' | 'ClusterRoleBinding.roleRef'): TableLayout {
  return layout(
    [
      NAME,
      column('Role', 'string', roleDoc),
      AGE,
      wide('Users', 'string', `Users in the ${what}`),
      wide('Groups', 'string', `Groups in the ${what}`),
      wide('ServiceAccounts', 'string', `ServiceAccounts in the ${what}`),
    ],
    (o, now) => {
      const b = view<RoleBinding | ClusterRoleBinding>(o);
      return [name(o), `${b.roleRef?.kind ?? ''}/${b.roleRef?.name ?? ''}`, age(o, now), ...subjectLists(b.subjects)];
    },
  );
}

// ---- storage.k8s.io ----

function isDefaultClass(o: KubeObject): boolean {
  const a = o.metadata?.annotations ?? {};
  return a['storageclass.kubernetes.io/is-default-class'] === 'true' || a['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
}

const storageclasses = layout(
  [
    NAME,
    column('Provisioner', 'string', 'StorageClass.provisioner'),
    column('ReclaimPolicy', 'string', 'StorageClass.reclaimPolicy'),
    column('VolumeBindingMode', 'string', 'StorageClass.volumeBindingMode'),
    column('AllowVolumeExpansion', 'string', 'StorageClass.allowVolumeExpansion'),
    AGE,
  ],
  (o, now) => {
    const sc = view<StorageClass>(o);
    return [
      isDefaultClass(o) ? `${name(o)} (default)` : name(o),
      sc.provisioner ?? '',
      sc.reclaimPolicy ?? 'Delete',
      sc.volumeBindingMode ?? 'Immediate',
      sc.allowVolumeExpansion ?? false,
      age(o, now),
    ];
  },
);

const volumeattachments = layout(
  [
    NAME,
    column('Attacher', 'string', 'VolumeAttachmentSpec.attacher', { format: 'name' }),
    column('PV', 'string', 'VolumeAttachmentSource.persistentVolumeName'),
    column('Node', 'string', 'VolumeAttachmentSpec.nodeName'),
    column('Attached', 'boolean', 'VolumeAttachmentStatus.attached'),
    AGE,
  ],
  (o, now) => {
    const va = view<VolumeAttachment>(o);
    return [
      name(o),
      va.spec?.attacher ?? '',
      va.spec?.source?.persistentVolumeName ?? '',
      va.spec?.nodeName ?? '',
      va.status?.attached ?? false,
      age(o, now),
    ];
  },
);

const csinodes = layout(
  [NAME, column('Drivers', 'integer', 'Drivers indicates the number of CSI drivers registered on the node'), AGE],
  (o, now) => [name(o), view<CSINode>(o).spec?.drivers?.length ?? 0, age(o, now)],
);

const csidrivers = layout(
  [
    NAME,
    column('AttachRequired', 'boolean', 'CSIDriverSpec.attachRequired'),
    column('PodInfoOnMount', 'boolean', 'CSIDriverSpec.podInfoOnMount'),
    column('StorageCapacity', 'boolean', 'CSIDriverSpec.storageCapacity'),
    column('TokenRequests', 'string', 'CSIDriverSpec.tokenRequests'),
    column('RequiresRepublish', 'boolean', 'CSIDriverSpec.requiresRepublish'),
    column('Modes', 'string', 'CSIDriverSpec.volumeLifecycleModes'),
    AGE,
  ],
  (o, now) => {
    const d = view<CSIDriver>(o).spec;
    const tokens = d?.tokenRequests ? d.tokenRequests.map((t) => t.audience).join(',') : '<unset>';
    const modes = (d?.volumeLifecycleModes ?? []).join(',') || '<none>';
    return [
      name(o),
      d?.attachRequired ?? true,
      d?.podInfoOnMount ?? false,
      d?.storageCapacity ?? false,
      tokens,
      d?.requiresRepublish ?? false,
      modes,
      age(o, now),
    ];
  },
);

const csistoragecapacities = layout(
  [
    NAME,
    column('StorageClassName', 'string', 'CSIStorageCapacity.storageClassName'),
    column('Capacity', 'string', 'CSIStorageCapacity.capacity'),
  ],
  (o) => {
    const c = view<CSIStorageCapacity>(o);
    return [name(o), c.storageClassName ?? '', c.capacity ?? '<unset>'];
  },
);

// ---- scheduling, policy, coordination, node ----

const priorityclasses = layout(
  [
    NAME,
    column('Value', 'integer', 'PriorityClass.value'),
    column('Global-Default', 'boolean', 'PriorityClass.globalDefault'),
    AGE,
    column('PreemptionPolicy', 'string', 'PriorityClass.preemptionPolicy'),
  ],
  (o, now) => {
    const pc = view<PriorityClass>(o);
    return [name(o), pc.value ?? 0, pc.globalDefault ?? false, age(o, now), pc.preemptionPolicy ?? '<unset>'];
  },
);

const poddisruptionbudgets = layout(
  [
    NAME,
    column('Min Available', 'string', 'The minimum number of pods that must be available.'),
    column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    column('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    AGE,
  ],
  (o, now) => {
    const pdb = view<PodDisruptionBudget>(o);
    return [
      name(o),
      intOrString(pdb.spec?.minAvailable) ?? 'N/A',
      intOrString(pdb.spec?.maxUnavailable) ?? 'N/A',
      pdb.status?.disruptionsAllowed ?? 0,
      age(o, now),
    ];
  },
);

const leases = layout([NAME, column('Holder', 'string', 'LeaseSpec.holderIdentity'), AGE], (o, now) => [
  name(o),
  view<Lease>(o).spec?.holderIdentity ?? '',
  age(o, now),
]);

const runtimeclasses = layout([NAME, column('Handler', 'string', ''), AGE], (o, now) => [
  name(o),
  view<RuntimeClass>(o).handler ?? '',
  age(o, now),
]);

// ---- certificates.k8s.io ----

/** `Approved,Issued`, `Denied`, `Pending`, with `,Failed` when signing failed. */
export function csrCondition(csr: CertificateSigningRequest): string {
  const types = new Set((csr.status?.conditions ?? []).map((c) => c.type));
  let status = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) status += ',Failed';
  if (csr.status?.certificate) status += ',Issued';
  return status;
}

const certificatesigningrequests = layout(
  [
    NAME,
    AGE,
    column('SignerName', 'string', 'CertificateSigningRequestSpec.signerName'),
    column('Requestor', 'string', 'CertificateSigningRequestSpec.request'),
    column('RequestedDuration', 'string', 'CertificateSigningRequestSpec.expirationSeconds'),
    column('Condition', 'string', 'CertificateSigningRequestStatus.conditions'),
  ],
  (o, now) => {
    const csr = view<CertificateSigningRequest>(o);
    const seconds = csr.spec?.expirationSeconds;
    return [
      name(o),
      age(o, now),
      csr.spec?.signerName || '<none>',
      csr.spec?.username ?? '',
      seconds === undefined ? '<none>' : humanDuration(seconds * 1000),
      csrCondition(csr),
    ];
  },
);

// ---- admissionregistration.k8s.io ----

const WEBHOOKS_DOC = 'Webhooks indicates the number of webhooks registered in this configuration';

const webhookConfigurations = layout([NAME, column('Webhooks', 'integer', WEBHOOKS_DOC), AGE], (o, now) => [
  name(o),
  view<MutatingWebhookConfiguration | ValidatingWebhookConfiguration>(o).webhooks?.length ?? 0,
  age(o, now),
]);

const validatingadmissionpolicies = layout(
  [
    NAME,
    column('Validations', 'integer', 'Validations indicates the number of validation rules defined in this configuration'),
    column('ParamKind', 'string', 'ParamKind specifies the kind of resources used to parameterize this policy'),
    AGE,
  ],
  (o, now) => {
    const p = view<ValidatingAdmissionPolicy>(o).spec;
    const kind = p?.paramKind ? `${p.paramKind.apiVersion ?? ''}/${p.paramKind.kind ?? ''}` : '<unset>';
    return [name(o), p?.validations?.length ?? 0, kind, age(o, now)];
  },
);

const validatingadmissionpolicybindings = layout(
  [
    NAME,
    column('PolicyName', 'string', 'PolicyName indicates the policy definition which the policy binding binded to'),
    column('ParamRef', 'string', 'ParamRef indicates the param resource which sets the configration param'),
    AGE,
  ],
  (o, now) => {
    const spec = view<ValidatingAdmissionPolicyBinding>(o).spec;
    const ref = spec?.paramRef;
    let param = '<unset>';
    if (ref?.name) param = `${ref.namespace || '*'}/${ref.name}`;
    else if (ref?.selector) param = labelSelectorFromObject(ref.selector).toString();
    return [name(o), spec?.policyName ?? '', param, age(o, now)];
  },
);

// ---- flowcontrol.apiserver.k8s.io ----

const flowschemas = layout(
  [
    NAME,
    column('PriorityLevel', 'string', 'PriorityLevelConfigurationReference.name'),
    column('MatchingPrecedence', 'string', 'FlowSchemaSpec.matchingPrecedence'),
    column('DistinguisherMethod', 'string', 'FlowSchemaSpec.distinguisherMethod'),
    AGE,
    column('MissingPL', 'string', 'references a broken or non-existent PriorityLevelConfiguration'),
  ],
  (o, now) => {
    const fs = view<FlowSchema>(o);
    const dangling = fs.status?.conditions?.find((c) => c.type === 'Dangling')?.status ?? '?';
    return [
      name(o),
      fs.spec?.priorityLevelConfiguration?.name ?? '',
      fs.spec?.matchingPrecedence ?? 0,
      fs.spec?.distinguisherMethod?.type ?? '<none>',
      age(o, now),
      dangling,
    ];
  },
);

const prioritylevelconfigurations = layout(
  [
    NAME,
    column('Type', 'string', 'PriorityLevelConfigurationSpec.type'),
    column('NominalConcurrencyShares', 'string', 'LimitedPriorityLevelConfiguration.nominalConcurrencyShares'),
    column('Queues', 'string', 'QueuingConfiguration.queues'),
    column('HandSize', 'string', 'QueuingConfiguration.handSize'),
    column('QueueLengthLimit', 'string', 'QueuingConfiguration.queueLengthLimit'),
    AGE,
  ],
  (o, now) => {
    const spec = view<PriorityLevelConfiguration>(o).spec;
    const limited = spec?.limited;
    const queuing = limited?.limitResponse?.queuing;
    return [
      name(o),
      spec?.type ?? '',
      limited ? (limited.nominalConcurrencyShares ?? 0) : '<none>',
      queuing ? (queuing.queues ?? 0) : '<none>',
      queuing ? (queuing.handSize ?? 0) : '<none>',
      queuing ? (queuing.queueLengthLimit ?? 0) : '<none>',
      age(o, now),
    ];
  },
);

// ---- autoscaling ----

interface Target {
  type?: string;
  value?: string;
  averageValue?: string;
  averageUtilization?: number;
}
interface Current {
  value?: string;
  averageValue?: string;
  averageUtilization?: number;
}

function metricPair(spec: { target?: Target } | undefined, current: { current?: Current } | undefined): string {
  const target = spec?.target ?? {};
  const now = current?.current;
  if (target.averageValue !== undefined) return `${now?.averageValue ?? '<unknown>'}/${target.averageValue} (avg)`;
  return `${current ? (now?.value ?? '0') : '<unknown>'}/${target.value ?? '0'}`;
}

/** Resource and ContainerResource cells name the resource (kubectl ≥ 1.30): `cpu: 250%/50%`. */
function resourcePair(spec: { name?: string; target?: Target } | undefined, current: { current?: Current } | undefined): string {
  const target = spec?.target ?? {};
  const now = current?.current;
  const name = spec?.name ?? '';
  if (target.averageValue !== undefined) return `${name}: ${now?.averageValue ?? '<unknown>'}/${target.averageValue}`;
  const have = now?.averageUtilization !== undefined ? `${now.averageUtilization}%` : '<unknown>';
  const want = target.averageUtilization !== undefined ? `${target.averageUtilization}%` : '<auto>';
  return `${name}: ${have}/${want}`;
}

/** The TARGETS cell: up to two metrics as `current/target`, then " + N more..." (formatHPAMetrics). */
export function hpaTargets(specs: readonly MetricSpec[] | undefined, statuses: readonly MetricStatus[] | undefined): string {
  const list = specs ?? [];
  if (list.length === 0) return '<none>';
  const cells = list.map((spec, i) => {
    const st = statuses?.[i];
    switch (spec.type) {
      case 'External':
        return metricPair(spec.external, st?.external);
      case 'Object':
        return metricPair(spec.object, st?.object);
      case 'Pods':
        return `${st?.pods ? (st.pods.current?.averageValue ?? '0') : '<unknown>'}/${spec.pods?.target?.averageValue ?? '0'}`;
      case 'Resource':
        return resourcePair(spec.resource, st?.resource);
      case 'ContainerResource':
        return resourcePair(spec.containerResource, st?.containerResource);
      default:
        return '<unknown type>';
    }
  });
  const max = 2;
  const shown = cells.slice(0, max).join(', ');
  return cells.length > max ? `${shown} + ${cells.length - max} more...` : shown;
}

const horizontalpodautoscalers = layout(
  [
    NAME,
    column('Reference', 'string', 'HorizontalPodAutoscalerSpec.scaleTargetRef'),
    column('Targets', 'string', 'HorizontalPodAutoscalerSpec.metrics'),
    column('MinPods', 'string', 'HorizontalPodAutoscalerSpec.minReplicas'),
    column('MaxPods', 'string', 'HorizontalPodAutoscalerSpec.maxReplicas'),
    column('Replicas', 'string', 'HorizontalPodAutoscalerStatus.currentReplicas'),
    AGE,
  ],
  (o, now) => {
    const hpa = view<HorizontalPodAutoscaler>(o);
    const ref = hpa.spec?.scaleTargetRef;
    const min = hpa.spec?.minReplicas;
    return [
      name(o),
      `${ref?.kind ?? ''}/${ref?.name ?? ''}`,
      hpaTargets(hpa.spec?.metrics, hpa.status?.currentMetrics),
      min === undefined ? '<unset>' : String(min),
      hpa.spec?.maxReplicas ?? 0,
      hpa.status?.currentReplicas ?? 0,
      age(o, now),
    ];
  },
);

/** Layouts keyed by `group/plural`. */
export const PLATFORM_LAYOUTS: Readonly<Record<string, TableLayout>> = {
  'rbac.authorization.k8s.io/rolebindings': bindingLayout('roleBinding', 'RoleBinding.roleRef'),
  'rbac.authorization.k8s.io/clusterrolebindings': bindingLayout('clusterRoleBinding', 'ClusterRoleBinding.roleRef'),
  'storage.k8s.io/storageclasses': storageclasses,
  'storage.k8s.io/volumeattachments': volumeattachments,
  'storage.k8s.io/csinodes': csinodes,
  'storage.k8s.io/csidrivers': csidrivers,
  'storage.k8s.io/csistoragecapacities': csistoragecapacities,
  'scheduling.k8s.io/priorityclasses': priorityclasses,
  'policy/poddisruptionbudgets': poddisruptionbudgets,
  'coordination.k8s.io/leases': leases,
  'node.k8s.io/runtimeclasses': runtimeclasses,
  'certificates.k8s.io/certificatesigningrequests': certificatesigningrequests,
  'admissionregistration.k8s.io/mutatingwebhookconfigurations': webhookConfigurations,
  'admissionregistration.k8s.io/validatingwebhookconfigurations': webhookConfigurations,
  'admissionregistration.k8s.io/validatingadmissionpolicies': validatingadmissionpolicies,
  'admissionregistration.k8s.io/validatingadmissionpolicybindings': validatingadmissionpolicybindings,
  'flowcontrol.apiserver.k8s.io/flowschemas': flowschemas,
  'flowcontrol.apiserver.k8s.io/prioritylevelconfigurations': prioritylevelconfigurations,
  'autoscaling/horizontalpodautoscalers': horizontalpodautoscalers,
};
