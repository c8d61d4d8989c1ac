// Cluster-level and coordination kinds: Namespace, Node, Lease, Event (PriorityClass:
// priority-class.ts).
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Event, Namespace, Node } from 'kubernetes-types/core/v1.js';
import type { FieldError } from '../errors.js';
import { list } from './container.js';
import { duplicate, forbidden, invalid, nonNegative, notSupported, required } from './field.js';
import { isCIDR, isQualifiedName, isValidLabelValue } from './names.js';

const STANDARD_FINALIZERS = ['kubernetes', 'orphan', 'foregroundDeletion'];

export function validateNamespace(ns: Namespace): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of list(ns.spec?.finalizers)) {
    for (const msg of isQualifiedName(f)) errs.push(invalid('spec.finalizers', f, msg));
    if (!f.includes('/') && !STANDARD_FINALIZERS.includes(f))
      errs.push(invalid('spec.finalizers', f, 'name is neither a standard finalizer name nor is it fully qualified'));
  }
  return errs;
}

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function validateNode(node: Node): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  list(node.spec?.taints).forEach((t, i) => {
    const p = `spec.taints[${i}]`;
    for (const msg of isQualifiedName(t.key ?? '')) errs.push(invalid(`${p}.key`, t.key ?? '', msg));
    for (const msg of isValidLabelValue(t.value ?? '')) errs.push(invalid(`${p}.value`, t.value ?? '', msg));
    if (!t.effect) errs.push(required(`${p}.effect`));
    else if (!TAINT_EFFECTS.includes(t.effect)) errs.push(notSupported(`${p}.effect`, t.effect, TAINT_EFFECTS));
    const k = `${t.key}:${t.effect}`;
    if (seen.has(k)) errs.push(duplicate(p, t.key ?? ''));
    seen.add(k);
  });
  list(node.spec?.podCIDRs).forEach((c, i) => {
    if (!isCIDR(c)) errs.push(invalid(`spec.podCIDRs[${i}]`, c, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
  });
  return errs;
}

export function validateNodeUpdate(node: Node, old: Node): FieldError[] {
  const errs = validateNode(node);
  if (old.spec?.podCIDR && node.spec?.podCIDR !== old.spec.podCIDR)
    errs.push(forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
  if (old.spec?.providerID && node.spec?.providerID !== old.spec.providerID)
    errs.push(forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  return errs;
}

export function validateLease(lease: Lease): FieldError[] {
  const errs: FieldError[] = [];
  const d = lease.spec?.leaseDurationSeconds;
  if (d !== undefined && d <= 0) errs.push(invalid('spec.leaseDurationSeconds', d, 'must be greater than 0'));
  errs.push(...nonNegative('spec.leaseTransitions', lease.spec?.leaseTransitions));
  // `strategy` is newer than the kubernetes-types release in use.
  const s = (lease.spec as { strategy?: string } | undefined)?.strategy;
  if (s !== undefined && s !== 'OldestEmulationVersion') errs.push(notSupported('spec.strategy', s, ['OldestEmulationVersion']));
  return errs;
}

/** events.k8s.io/v1 Event, which carries the new field names. */
interface EventsV1Event {
  metadata?: { namespace?: string };
  type?: string;
  eventTime?: string;
  reportingController?: string;
  reportingInstance?: string;
  action?: string;
  reason?: string;
  note?: string;
  regarding?: { namespace?: string };
}

export function validateCoreEvent(ev: Event): FieldError[] {
  const errs: FieldError[] = [];
  const ns = ev.metadata?.namespace ?? '';
  const involved = ev.involvedObject?.namespace ?? '';
  if (involved && ns !== involved) errs.push(invalid('involvedObject.namespace', involved, 'does not match event.namespace'));
  if (ev.type && ev.type !== 'Normal' && ev.type !== 'Warning') errs.push(invalid('type', '', `has invalid value: ${ev.type}`));
  return errs;
}

export function validateEventsV1Event(ev: EventsV1Event): FieldError[] {
  const errs: FieldError[] = [];
  if (!ev.eventTime) errs.push(required('eventTime'));
  if (ev.type !== 'Normal' && ev.type !== 'Warning') errs.push(invalid('type', '', `has invalid value: ${ev.type ?? ''}`));
  if (!ev.reportingController) errs.push(required('reportingController'));
  else for (const msg of isQualifiedName(ev.reportingController)) errs.push(invalid('reportingController', ev.reportingController, msg));
  if (!ev.reportingInstance) errs.push(required('reportingInstance'));
  if (!ev.action) errs.push(required('action'));
  if (!ev.reason) errs.push(required('reason'));
  if ((ev.note ?? '').length > 1024) errs.push({ type: 'FieldValueTooLong', field: 'note', detail: 'must have at most 1024 bytes' });
  const regarding = ev.regarding?.namespace ?? '';
  if (regarding && regarding !== (ev.metadata?.namespace ?? ''))
    errs.push(invalid('regarding.namespace', regarding, 'does not match event.namespace'));
  return errs;
}
