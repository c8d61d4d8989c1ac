// PodSpec validation shared by pods and every pod template (ValidatePodSpec, Kubernetes v1.33).
import type { PodSpec, PodTemplateSpec, Toleration, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import type { FieldError } from '../errors.js';
import { list, PROTOCOLS, validateContainer, validateContainerNames } from './container.js';
import { duplicate, forbidden, invalid, nonNegative, notSupported, required } from './field.js';
import { inclusiveRangeError, isDNS1123Label, isDNS1123Subdomain, isIP, isQualifiedName, isValidLabelValue } from './names.js';
import { validateAnnotations, validateLabelSelector, validateLabels } from './objectmeta.js';
import { validateSysctls } from './sysctls.js';
import { validateVolumes } from './volumes.js';

const MAX_INT32 = 2147483647;

export function validatePodSpec(spec: PodSpec | undefined, path: string): FieldError[] {
  if (!spec) return [required(path)];
  const errs: FieldError[] = [];
  const volumes = validateVolumes(list(spec.volumes), `${path}.volumes`, errs);
  const containers = list(spec.containers);
  const initContainers = list(spec.initContainers);
  const names = new Set<string>();
  if (containers.length === 0) errs.push(required(`${path}.containers`));
  errs.push(...validateContainerNames(containers, `${path}.containers`, names));
  errs.push(...validateContainerNames(initContainers, `${path}.initContainers`, names));
  initContainers.forEach((c, i) => errs.push(...validateContainer(c, `${path}.initContainers[${i}]`, { kind: 'initContainer', volumes })));
  containers.forEach((c, i) => errs.push(...validateContainer(c, `${path}.containers[${i}]`, { kind: 'container', volumes })));
  errs.push(...validateHostPorts(spec, path));

  if (!spec.restartPolicy) errs.push(required(`${path}.restartPolicy`));
  else if (!['Always', 'OnFailure', 'Never'].includes(spec.restartPolicy))
    errs.push(notSupported(`${path}.restartPolicy`, spec.restartPolicy, ['Always', 'OnFailure', 'Never']));
  const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
  if (!spec.dnsPolicy) errs.push(required(`${path}.dnsPolicy`));
  else if (!dnsPolicies.includes(spec.dnsPolicy)) errs.push(notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, dnsPolicies));
  if (spec.dnsPolicy === 'None' && !spec.dnsConfig)
    errs.push(required(`${path}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None'));
  if (spec.dnsConfig) {
    if (list(spec.dnsConfig.nameservers).length > 3)
      errs.push(invalid(`${path}.dnsConfig.nameservers`, spec.dnsConfig.nameservers, 'must not have more than 3 nameservers'));
    list(spec.dnsConfig.nameservers).forEach((ns, i) => {
      if (!isIP(ns)) errs.push(invalid(`${path}.dnsConfig.nameservers[${i}]`, ns, 'must be valid IP address'));
    });
  }
  errs.push(...validateLabels(spec.nodeSelector, `${path}.nodeSelector`));
  for (const [field, value] of [
    ['serviceAccountName', spec.serviceAccountName],
    ['nodeName', spec.nodeName],
    ['priorityClassName', spec.priorityClassName],
  ] as const) {
    if (value) for (const msg of isDNS1123Subdomain(value)) errs.push(invalid(`${path}.${field}`, value, msg));
  }
  for (const [field, value] of [
    ['hostname', spec.hostname],
    ['subdomain', spec.subdomain],
  ] as const) {
    if (value) for (const msg of isDNS1123Label(value)) errs.push(invalid(`${path}.${field}`, value, msg));
  }
  if (spec.activeDeadlineSeconds !== undefined && (spec.activeDeadlineSeconds < 1 || spec.activeDeadlineSeconds > MAX_INT32))
    errs.push(invalid(`${path}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, inclusiveRangeError(1, MAX_INT32)));
  errs.push(...validateTolerations(list(spec.tolerations), `${path}.tolerations`));
  errs.push(...validateTopologySpread(list(spec.topologySpreadConstraints), `${path}.topologySpreadConstraints`));
  if (spec.os && !['linux', 'windows'].includes(spec.os.name))
    errs.push(notSupported(`${path}.os.name`, spec.os.name, ['linux', 'windows']));
  list(spec.imagePullSecrets).forEach((s, i) => {
    if (!s.name) errs.push(required(`${path}.imagePullSecrets[${i}].name`));
  });
  list(spec.hostAliases).forEach((h, i) => {
    if (!isIP(h.ip ?? '')) errs.push(invalid(`${path}.hostAliases[${i}].ip`, h.ip ?? '', 'must be valid IP address'));
  });
  if (spec.securityContext) {
    const sc = spec.securityContext;
    errs.push(...nonNegative(`${path}.securityContext.runAsUser`, sc.runAsUser));
    errs.push(...nonNegative(`${path}.securityContext.runAsGroup`, sc.runAsGroup));
    errs.push(...nonNegative(`${path}.securityContext.fsGroup`, sc.fsGroup));
    errs.push(...validateSysctls(spec, `${path}.securityContext.sysctls`));
  }
  return errs;
}

/** Two containers of one pod may not claim the same hostPort/protocol. */
function validateHostPorts(spec: PodSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  for (const [group, containers] of [
    ['initContainers', list(spec.initContainers)],
    ['containers', list(spec.containers)],
  ] as const) {
    containers.forEach((c, i) => {
      list(c.ports).forEach((p, j) => {
        if (!p.hostPort) return;
        const k = `${p.hostPort}/${p.protocol ?? 'TCP'}${p.hostIP ? `@${p.hostIP}` : ''}`;
        if (seen.has(k)) errs.push(duplicate(`${path}.${group}[${i}].ports[${j}].hostPort`, `${p.hostPort}/${p.protocol ?? 'TCP'}`));
        seen.add(k);
      });
    });
  }
  return errs;
}

export function validateTolerations(tolerations: Toleration[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  tolerations.forEach((t, i) => {
    const p = `${path}[${i}]`;
    if (t.key) for (const msg of isQualifiedName(t.key)) errs.push(invalid(`${p}.key`, t.key, msg));
    if (!t.key && t.operator !== 'Exists')
      errs.push(invalid(`${p}.operator`, t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute')
      errs.push(invalid(`${p}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    switch (t.operator) {
      case undefined:
      case '':
      case 'Equal':
        for (const msg of isValidLabelValue(t.value ?? '')) errs.push(invalid(`${p}.operator`, t.value ?? '', msg));
        break;
      case 'Exists':
        if (t.value) errs.push(invalid(`${p}.operator`, t.value, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(notSupported(`${p}.operator`, t.operator, ['Equal', 'Exists']));
    }
    if (t.effect && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(t.effect))
      errs.push(notSupported(`${p}.effect`, t.effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']));
  });
  return errs;
}

function validateTopologySpread(constraints: TopologySpreadConstraint[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  constraints.forEach((c, i) => {
    const p = `${path}[${i}]`;
    if (!(c.maxSkew > 0)) errs.push(invalid(`${p}.maxSkew`, c.maxSkew, 'must be greater than zero'));
    if (!c.topologyKey) errs.push(required(`${p}.topologyKey`, 'can not be empty'));
    else for (const msg of isQualifiedName(c.topologyKey)) errs.push(invalid(`${p}.topologyKey`, c.topologyKey, msg));
    if (!['DoNotSchedule', 'ScheduleAnyway'].includes(c.whenUnsatisfiable))
      errs.push(notSupported(`${p}.whenUnsatisfiable`, c.whenUnsatisfiable, ['DoNotSchedule', 'ScheduleAnyway']));
    if (c.labelSelector) errs.push(...validateLabelSelector(c.labelSelector, `${p}.labelSelector`));
  });
  return errs;
}

/**
 * A pod template inside a workload. Kubernetes reports template label problems at
 * `<path>.labels`, not `<path>.metadata.labels`; that quirk is kept.
 */
export function validatePodTemplateSpec(template: PodTemplateSpec | undefined, path: string): FieldError[] {
  if (!template) return [required(path)];
  const errs: FieldError[] = [];
  errs.push(...validateLabels(template.metadata?.labels, `${path}.labels`));
  errs.push(...validateAnnotations(template.metadata?.annotations, `${path}.annotations`));
  errs.push(...validatePodSpec(template.spec, `${path}.spec`));
  if (list(template.spec?.ephemeralContainers).length > 0)
    errs.push(forbidden(`${path}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template'));
  return errs;
}

export { PROTOCOLS };
