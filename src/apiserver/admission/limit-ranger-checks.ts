// LimitRanger's validation (Kubernetes' PodValidateLimitFunc and
// PersistentVolumeClaimValidateLimitFunc): each container, the pod as a whole, and a claim's
// storage request against one LimitRange's min, max and maxLimitRequestRatio, worded as
// Kubernetes words them. Pure. Quantities compare exactly (as current Kubernetes does; v1.33
// compared whole milli-units, which only differs below 1m). Kubernetes visits resource names in
// map order; k8ts sorts them, so several violations are listed in a stable order.
import type { Container, LimitRange, LimitRangeItem, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { amounts, podContainerAmounts, type Amounts } from '../../api/quota/usage.js';
import { formatExactQuantity, type ExactQuantity } from '../../api/validation/quantity.js';


const NANO = 1_000_000_000n;
const text = formatExactQuantity;

/** The item's bounds of one kind, by resource name in sorted order. */
function bounds(item: LimitRangeItem, field: 'min' | 'max' | 'maxLimitRequestRatio'): [string, ExactQuantity][] {
  return [...amounts(item[field]).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function minConstraint(type: string, name: string, min: ExactQuantity, requests: Amounts, limits: Amounts): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const head = `minimum ${name} usage per ${type} is ${text(min)}`;
  if (!req) return `${head}.  No request is specified`;
  if (min.nanos > req.nanos) return `${head}, but request is ${text(req)}`;
  if (lim && min.nanos > lim.nanos) return `${head}, but limit is ${text(lim)}`;
  return undefined;
}

function maxConstraint(type: string, name: string, max: ExactQuantity, requests: Amounts, limits: Amounts): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const head = `maximum ${name} usage per ${type} is ${text(max)}`;
  if (!lim) return `${head}.  No limit is specified`;
  if (lim.nanos > max.nanos) return `${head}, but limit is ${text(lim)}`;
  if (req && req.nanos > max.nanos) return `${head}, but request is ${text(req)}`;
  return undefined;
}

/** The max of a claim, whose limits are not user input: only the request counts. */
function maxRequestConstraint(type: string, name: string, max: ExactQuantity, requests: Amounts): string | undefined {
  const req = requests.get(name);
  const head = `maximum ${name} usage per ${type} is ${text(max)}`;
  if (!req) return `${head}.  No request is specified`;
  if (req.nanos > max.nanos) return `${head}, but request is ${text(req)}`;
  return undefined;
}

const abs = (n: bigint): bigint => (n < 0n ? -n : n);

function ratioConstraint(type: string, name: string, ratio: ExactQuantity, requests: Amounts, limits: Amounts): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const head = `${name} max limit to request ratio per ${type} is ${text(ratio)}`;
  if (!req || req.nanos === 0n) return `${head}, but no request is specified or request is 0`;
  if (!lim || lim.nanos === 0n) return `${head}, but no limit is specified or limit is 0`;
  // limit / request > ratio, compared exactly on magnitudes.
  if (abs(lim.nanos) * NANO > abs(req.nanos) * ratio.nanos) {
    // Go's %f: six decimals.
    return `${head}, but provided ratio is ${(Number(abs(lim.nanos)) / Number(abs(req.nanos))).toFixed(6)}`;
  }
  return undefined;
}

function checkAll(item: LimitRangeItem, requests: Amounts, limits: Amounts, skip: (name: string) => boolean): string[] {
  const type = item.type;
  const out: (string | undefined)[] = [];
  for (const [name, q] of bounds(item, 'min')) if (!skip(name)) out.push(minConstraint(type, name, q, requests, limits));
  for (const [name, q] of bounds(item, 'max')) if (!skip(name)) out.push(maxConstraint(type, name, q, requests, limits));
  for (const [name, q] of bounds(item, 'maxLimitRequestRatio')) if (!skip(name)) out.push(ratioConstraint(type, name, q, requests, limits));
  return out.filter((m): m is string => m !== undefined);
}

const never = (): boolean => false;

/** One LimitRange's violations by a pod (after its defaults were applied). */
export function podViolations(pod: Pod, lr: LimitRange): string[] {
  const out: string[] = [];
  const containers: Container[] = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  for (const item of lr.spec?.limits ?? []) {
    if (item.type === 'Container') {
      for (const c of containers) out.push(...checkAll(item, amounts(c.resources?.requests), amounts(c.resources?.limits), never));
    } else if (item.type === 'Pod') {
      out.push(...checkAll(item, podContainerAmounts(pod, 'requests'), podContainerAmounts(pod, 'limits'), never));
    }
  }
  return out;
}

/**
 * One LimitRange's violations by a claim's storage requests. On update (`old` given) a request
 * the stored claim already holds is not checked again (as current Kubernetes does; v1.33
 * checked them all, so a stricter LimitRange made existing claims unwritable).
 */
export function claimViolations(pvc: PersistentVolumeClaim, lr: LimitRange, old?: PersistentVolumeClaim): string[] {
  const requests = amounts(pvc.spec?.resources?.requests);
  const oldRequests = amounts(old?.spec?.resources?.requests);
  const unchanged = (name: string): boolean => {
    const now = requests.get(name);
    const before = oldRequests.get(name);
    return now !== undefined && before !== undefined && now.nanos === before.nanos;
  };
  const out: string[] = [];
  for (const item of lr.spec?.limits ?? []) {
    if (item.type !== 'PersistentVolumeClaim') continue;
    for (const [name, q] of bounds(item, 'min')) if (!unchanged(name)) out.push(minConstraint(item.type, name, q, requests, new Map()) ?? '');
    for (const [name, q] of bounds(item, 'max')) if (!unchanged(name)) out.push(maxRequestConstraint(item.type, name, q, requests) ?? '');
  }
  return out.filter((m) => m !== '');
}

/** utilerrors.NewAggregate's text: one message alone, several (duplicates once) in brackets. */
export function aggregateMessage(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? (unique[0] ?? '') : `[${unique.join(', ')}]`;
}
