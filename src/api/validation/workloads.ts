// Controllers that own pods through a selector and a template: Deployment, ReplicaSet,
// StatefulSet, DaemonSet (apps/v1) and ReplicationController (v1), as Kubernetes v1.33
// validates them.
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec, ReplicationController } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { FieldError } from '../errors.js';
import { jsonEqual } from './equal.js';
import { forbidden, IMMUTABLE, invalid, nonNegative, notSupported, required } from './field.js';
import { goLabelSelector, goStringMap, GoLiteral } from './gosyntax.js';
import { isValidPercent } from './names.js';
import { isEmptySelector, selectorMatches, validateLabels, validateLabelSelector } from './objectmeta.js';
import { validatePodTemplateSpec } from './podspec.js';

const SELECTOR_MISMATCH = '`selector` does not match template `labels`';

type IntOrPercent = number | string | undefined;

function intOrPercentLiteral(v: IntOrPercent): GoLiteral {
  return new GoLiteral(String(v ?? 0), v ?? 0);
}

/** A non-negative integer or a percentage like `25%`. */
export function validatePositiveIntOrPercent(v: IntOrPercent, path: string): FieldError[] {
  if (v === undefined) return [];
  if (typeof v === 'string') return isValidPercent(v).map((m) => invalid(path, intOrPercentLiteral(v), m));
  if (typeof v === 'number') return nonNegative(path, v);
  return [invalid(path, v, "must be an integer or percentage (e.g '5%')")];
}

function intOrPercentValue(v: IntOrPercent): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^[0-9]+%$/.test(v)) return Number(v.slice(0, -1));
  return -1;
}

function notMoreThan100Percent(v: IntOrPercent, path: string): FieldError[] {
  return typeof v === 'string' && intOrPercentValue(v) > 100 ? [invalid(path, intOrPercentLiteral(v), 'must not be greater than 100%')] : [];
}

function validateRollingUpdate(ru: { maxSurge?: IntOrPercent; maxUnavailable?: IntOrPercent }, path: string): FieldError[] {
  const errs = [
    ...validatePositiveIntOrPercent(ru.maxUnavailable, `${path}.maxUnavailable`),
    ...validatePositiveIntOrPercent(ru.maxSurge, `${path}.maxSurge`),
  ];
  if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge ?? 0) === 0)
    errs.push(invalid(`${path}.maxUnavailable`, intOrPercentLiteral(ru.maxUnavailable), 'may not be 0 when `maxSurge` is 0'));
  errs.push(...notMoreThan100Percent(ru.maxUnavailable, `${path}.maxUnavailable`));
  return errs;
}

/** Required, well-formed, non-empty; `kind` words the empty-selector message. */
function validateSelector(sel: LabelSelector | undefined, path: string, kind: string): FieldError[] {
  if (!sel) return [required(path)];
  const errs = validateLabelSelector(sel, path);
  if (isEmptySelector(sel)) errs.push(invalid(path, goLabelSelector(sel), `empty selector is invalid for ${kind}`));
  return errs;
}

interface TemplateRules {
  /** Who owns the template, for `activeDeadlineSeconds in <owner> is not Supported`. */
  owner: string;
  selector: LabelSelector | undefined;
}

function validateOwnedTemplate(template: PodTemplateSpec | undefined, path: string, rules: TemplateRules): FieldError[] {
  if (!template) return [required(path)];
  const errs: FieldError[] = [];
  const labels = template.metadata?.labels;
  if (rules.selector && !isEmptySelector(rules.selector) && !selectorMatches(rules.selector, labels))
    errs.push(invalid(`${path}.metadata.labels`, goStringMap(labels), SELECTOR_MISMATCH));
  errs.push(...validatePodTemplateSpec(template, path));
  const restartPolicy = template.spec?.restartPolicy;
  if (restartPolicy && restartPolicy !== 'Always') errs.push(notSupported(`${path}.spec.restartPolicy`, restartPolicy, ['Always']));
  if (template.spec?.activeDeadlineSeconds !== undefined)
    errs.push(forbidden(`${path}.spec.activeDeadlineSeconds`, `activeDeadlineSeconds in ${rules.owner} is not Supported`));
  return errs;
}

function immutableSelector(now: LabelSelector | undefined, before: LabelSelector | undefined): FieldError[] {
  return jsonEqual(now, before) ? [] : [invalid('spec.selector', goLabelSelector(now), IMMUTABLE)];
}

export function validateDeployment(d: Deployment): FieldError[] {
  const spec = d.spec;
  if (!spec) return [required('spec')];
  const errs: FieldError[] = [];
  errs.push(...nonNegative('spec.replicas', spec.replicas));
  errs.push(...validateSelector(spec.selector, 'spec.selector', 'deployment'));
  errs.push(...validateOwnedTemplate(spec.template, 'spec.template', { owner: 'ReplicaSet', selector: spec.selector }));
  const st = spec.strategy;
  if (st) {
    switch (st.type) {
      case 'Recreate':
        if (st.rollingUpdate) errs.push(forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
        break;
      case 'RollingUpdate':
        if (!st.rollingUpdate) errs.push(required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil'));
        else errs.push(...validateRollingUpdate(st.rollingUpdate, 'spec.strategy.rollingUpdate'));
        break;
      default:
        errs.push(notSupported('spec.strategy', new GoLiteral(`apps.DeploymentStrategy{Type:${JSON.stringify(st.type ?? '')}}`, st), ['Recreate', 'RollingUpdate']));
    }
  }
  errs.push(...nonNegative('spec.minReadySeconds', spec.minReadySeconds));
  errs.push(...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit));
  if (spec.progressDeadlineSeconds !== undefined) {
    errs.push(...nonNegative('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds));
    if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0))
      errs.push(invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
  }
  return errs;
}

export function validateDeploymentUpdate(d: Deployment, old: Deployment): FieldError[] {
  return [...validateDeployment(d), ...immutableSelector(d.spec?.selector, old.spec?.selector)];
}

export function validateReplicaSet(rs: ReplicaSet): FieldError[] {
  const spec = rs.spec;
  if (!spec) return [required('spec')];
  return [
    ...nonNegative('spec.replicas', spec.replicas),
    ...nonNegative('spec.minReadySeconds', spec.minReadySeconds),
    ...validateSelector(spec.selector, 'spec.selector', 'deployment'),
    ...validateOwnedTemplate(spec.template, 'spec.template', { owner: 'ReplicaSet', selector: spec.selector }),
  ];
}

export function validateReplicaSetUpdate(rs: ReplicaSet, old: ReplicaSet): FieldError[] {
  return [...validateReplicaSet(rs), ...immutableSelector(rs.spec?.selector, old.spec?.selector)];
}

export function validateStatefulSet(ss: StatefulSet): FieldError[] {
  const spec = ss.spec;
  if (!spec) return [required('spec')];
  const errs: FieldError[] = [];
  const pmp = spec.podManagementPolicy;
  if (!pmp) errs.push(required('spec.podManagementPolicy'));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel')
    errs.push(invalid('spec.podManagementPolicy', pmp, "must be 'OrderedReady' or 'Parallel'"));
  const us = spec.updateStrategy;
  switch (us?.type) {
    case undefined:
    case '':
      errs.push(required('spec.updateStrategy'));
      break;
    case 'OnDelete':
      if (us.rollingUpdate) errs.push(invalid('spec.updateStrategy.rollingUpdate', us.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
      break;
    case 'RollingUpdate':
      errs.push(...nonNegative('spec.updateStrategy.rollingUpdate.partition', us.rollingUpdate?.partition));
      break;
    default:
      errs.push(invalid('spec.updateStrategy', us, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const policy = spec.persistentVolumeClaimRetentionPolicy;
  for (const f of ['whenDeleted', 'whenScaled'] as const) {
    const v = policy?.[f];
    if (v !== undefined && v !== 'Retain' && v !== 'Delete')
      errs.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${f}`, v, ['Retain', 'Delete']));
  }
  errs.push(...nonNegative('spec.replicas', spec.replicas));
  errs.push(...nonNegative('spec.minReadySeconds', spec.minReadySeconds));
  errs.push(...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit));
  errs.push(...nonNegative('spec.ordinals.start', spec.ordinals?.start));
  errs.push(...validateSelector(spec.selector, 'spec.selector', 'statefulset'));
  const template = spec.template;
  if (spec.selector && !isEmptySelector(spec.selector) && !selectorMatches(spec.selector, template?.metadata?.labels))
    errs.push(invalid('spec.template.metadata.labels', goStringMap(template?.metadata?.labels), SELECTOR_MISMATCH));
  errs.push(...validatePodTemplateSpec(template, 'spec.template'));
  const restartPolicy = template?.spec?.restartPolicy;
  if (restartPolicy && restartPolicy !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', restartPolicy, ['Always']));
  if (template?.spec?.activeDeadlineSeconds !== undefined)
    errs.push(invalid('spec.template.spec.activeDeadlineSeconds', template.spec.activeDeadlineSeconds, 'must not be specified'));
  return errs;
}

const STATEFULSET_UPDATE_FORBIDDEN =
  "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

export function validateStatefulSetUpdate(ss: StatefulSet, old: StatefulSet): FieldError[] {
  const errs = validateStatefulSet(ss);
  const mutable = ['replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];
  const rest = (s: object | undefined): Record<string, unknown> =>
    Object.fromEntries(Object.entries(s ?? {}).filter(([k]) => !mutable.includes(k)));
  if (!jsonEqual(rest(ss.spec), rest(old.spec))) errs.push(forbidden('spec', STATEFULSET_UPDATE_FORBIDDEN));
  return errs;
}

export function validateDaemonSet(ds: DaemonSet): FieldError[] {
  const spec = ds.spec;
  if (!spec) return [required('spec')];
  const errs: FieldError[] = [];
  errs.push(...validateSelector(spec.selector, 'spec.selector', 'daemonset'));
  const template = spec.template;
  if (spec.selector && !isEmptySelector(spec.selector) && !selectorMatches(spec.selector, template?.metadata?.labels))
    errs.push(invalid('spec.template.metadata.labels', goStringMap(template?.metadata?.labels), SELECTOR_MISMATCH));
  errs.push(...validatePodTemplateSpec(template, 'spec.template'));
  const restartPolicy = template?.spec?.restartPolicy;
  if (restartPolicy && restartPolicy !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', restartPolicy, ['Always']));
  if (template?.spec?.activeDeadlineSeconds !== undefined)
    errs.push(invalid('spec.template.spec.activeDeadlineSeconds', template.spec.activeDeadlineSeconds, 'activeDeadlineSeconds in DaemonSet is not Supported'));
  errs.push(...nonNegative('spec.minReadySeconds', spec.minReadySeconds));
  errs.push(...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit));
  const us = spec.updateStrategy;
  switch (us?.type) {
    case 'OnDelete':
      break;
    case 'RollingUpdate':
      if (!us.rollingUpdate) errs.push(required('spec.updateStrategy.rollingUpdate'));
      else errs.push(...validateRollingUpdate(us.rollingUpdate, 'spec.updateStrategy.rollingUpdate'));
      break;
    default:
      errs.push(notSupported('spec.updateStrategy.type', us?.type ?? '', ['OnDelete', 'RollingUpdate']));
  }
  return errs;
}

export function validateDaemonSetUpdate(ds: DaemonSet, old: DaemonSet): FieldError[] {
  return [...validateDaemonSet(ds), ...immutableSelector(ds.spec?.selector, old.spec?.selector)];
}

export function validateReplicationController(rc: ReplicationController): FieldError[] {
  const spec = rc.spec;
  if (!spec) return [required('spec')];
  const errs: FieldError[] = [];
  const sel = spec.selector;
  if (!sel || Object.keys(sel).length === 0) errs.push(required('spec.selector'));
  else errs.push(...validateLabels(sel, 'spec.selector'));
  errs.push(...nonNegative('spec.replicas', spec.replicas));
  errs.push(...nonNegative('spec.minReadySeconds', spec.minReadySeconds));
  errs.push(
    ...validateOwnedTemplate(spec.template, 'spec.template', {
      owner: 'ReplicationController',
      selector: sel ? { matchLabels: sel } : undefined,
    }),
  );
  return errs;
}

/**
 * The counts every replicated kind's status shares (Kubernetes' Validate*Status): none is
 * negative, and `bounded` (with readyReplicas and availableReplicas) do not exceed replicas.
 */
function validateReplicaCounts(status: Record<string, unknown>, bounded: readonly string[], unbounded: readonly string[] = []): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['observedGeneration', 'replicas', ...bounded, ...unbounded, 'readyReplicas', 'availableReplicas']) errs.push(...nonNegative(`status.${f}`, status[f]));
  const count = (f: string): number => (typeof status[f] === 'number' ? status[f] : 0);
  const notAbove = (f: string, limit: number, detail: string): void => {
    if (count(f) > limit) errs.push(invalid(`status.${f}`, status[f], detail));
  };
  for (const f of [...bounded, 'readyReplicas', 'availableReplicas']) notAbove(f, count('replicas'), 'cannot be greater than status.replicas');
  notAbove('availableReplicas', count('readyReplicas'), 'cannot be greater than readyReplicas');
  return errs;
}

/** ValidateDeploymentStatusUpdate: status writes check the status (the spec is the stored one). */
export function validateDeploymentStatusUpdate(d: Deployment, old: Deployment): FieldError[] {
  const status = d.status ?? {};
  const errs = validateReplicaCounts({ ...status }, ['updatedReplicas'], ['unavailableReplicas']);
  errs.push(...nonNegative('status.collisionCount', status.collisionCount));
  const [now, before] = [status.collisionCount, old.status?.collisionCount];
  if (now !== undefined && before !== undefined && now < before) errs.push(invalid('status.collisionCount', now, 'cannot be decremented'));
  return errs;
}

/** ValidateReplicaSetStatusUpdate (and the ReplicationController's, which has the same counts). */
export function validateReplicaSetStatusUpdate(rs: ReplicaSet | ReplicationController): FieldError[] {
  return validateReplicaCounts({ ...rs.status }, ['fullyLabeledReplicas']);
}
