// LimitRange validation as Kubernetes v1.33's ValidateLimitRange: known (or domain-qualified)
// limit types, each type once, resource names per type, no defaults on Pod items, storage
// bounds on claim items, and the ordering min ≤ defaultRequest ≤ default ≤ max with a
// limit/request ratio of at least 1 and at most max/min.
// Deviation: Kubernetes prints some of these values as a Go struct dump of resource.Quantity;
// k8ts shows the quantity's canonical text. Kubernetes also walks resource names in map order;
// k8ts sorts them, so the error order is stable.
import type { LimitRange, LimitRangeItem } from 'kubernetes-types/core/v1.js';
import type { FieldError } from '../errors.js';
import { isNativeResource, list, readQuantities, validateContainerResourceName } from './container.js';
import { duplicate, invalid, required, forbidden, key } from './field.js';
import { isQualifiedName } from './names.js';
import { formatExactQuantity, type ExactQuantity } from './quantity.js';

const STANDARD_LIMIT_TYPES = new Set(['Pod', 'Container', 'PersistentVolumeClaim']);

/** Kubernetes' standardResources (quota and limit names without a domain). */
const STANDARD_RESOURCES = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods', 'services', 'replicationcontrollers',
  'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims', 'storage', 'requests.storage',
  'services.nodeports', 'services.loadbalancers',
]);

function validateLimitTypeName(type: string, path: string): FieldError[] {
  const errs = isQualifiedName(type).map((m) => invalid(path, type, m));
  if (errs.length > 0) return errs;
  if (!type.includes('/') && !STANDARD_LIMIT_TYPES.has(type)) return [invalid(path, type, 'must be a standard limit type or fully qualified')];
  return [];
}

function validateResourceName(name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => invalid(path, name, m));
  if (errs.length > 0) return errs;
  const standard = STANDARD_RESOURCES.has(name) || name.startsWith('hugepages-') || name.startsWith('requests.hugepages-');
  if (!name.includes('/') && !standard) return [invalid(path, name, 'must be a standard resource type or fully qualified')];
  return [];
}

/** Pod and Container items hold container resources; other types any resource name. */
function validateItemResourceName(type: string, name: string, path: string): FieldError[] {
  return type === 'Pod' || type === 'Container' ? validateContainerResourceName(name, path) : validateResourceName(name, path);
}

/** Overcommit (a request below the limit) is allowed for native resources other than hugepages. */
function overcommitAllowed(name: string): boolean {
  return isNativeResource(name) && !name.startsWith('hugepages-');
}

const text = formatExactQuantity;
const NANO = 1_000_000_000n;

type Field = 'max' | 'min' | 'default' | 'defaultRequest' | 'maxLimitRequestRatio';

function validateItem(item: LimitRangeItem, p: string, errs: FieldError[]): void {
  const type = item.type;
  const lists = new Map<Field, Map<string, ExactQuantity>>();
  const names = new Set<string>();
  const read = (f: Field): void => {
    const q = readQuantities(item[f], `${p}.${f}`, errs);
    for (const name of q.keys()) {
      errs.push(...validateItemResourceName(type, name, key(`${p}.${f}`, name)));
      names.add(name);
    }
    lists.set(f, q);
  };
  read('max');
  read('min');
  if (type === 'Pod') {
    if (Object.keys(item.default ?? {}).length > 0) errs.push(forbidden(`${p}.default`, "may not be specified when `type` is 'Pod'"));
    if (Object.keys(item.defaultRequest ?? {}).length > 0) errs.push(forbidden(`${p}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
  } else {
    read('default');
    read('defaultRequest');
  }
  if (type === 'PersistentVolumeClaim' && !('storage' in (item.min ?? {})) && !('storage' in (item.max ?? {}))) {
    errs.push(required(`${p}.limits`, 'either minimum or maximum storage value is required, but neither was provided'));
  }
  read('maxLimitRequestRatio');

  for (const name of [...names].sort()) {
    const min = lists.get('min')?.get(name);
    const max = lists.get('max')?.get(name);
    const def = lists.get('default')?.get(name);
    const defReq = lists.get('defaultRequest')?.get(name);
    const ratio = lists.get('maxLimitRequestRatio')?.get(name);
    const at = (f: Field): string => key(`${p}.${f}`, name);
    if (min && max && min.nanos > max.nanos) errs.push(invalid(at('min'), text(min), `min value ${text(min)} is greater than max value ${text(max)}`));
    if (defReq && min && min.nanos > defReq.nanos)
      errs.push(invalid(at('defaultRequest'), text(defReq), `min value ${text(min)} is greater than default request value ${text(defReq)}`));
    if (defReq && max && defReq.nanos > max.nanos)
      errs.push(invalid(at('defaultRequest'), text(defReq), `default request value ${text(defReq)} is greater than max value ${text(max)}`));
    if (defReq && def && defReq.nanos > def.nanos)
      errs.push(invalid(at('defaultRequest'), text(defReq), `default request value ${text(defReq)} is greater than default limit value ${text(def)}`));
    if (def && min && min.nanos > def.nanos) errs.push(invalid(at('default'), text(min), `min value ${text(min)} is greater than default value ${text(def)}`));
    if (def && max && def.nanos > max.nanos) errs.push(invalid(at('default'), text(max), `default value ${text(def)} is greater than max value ${text(max)}`));
    if (ratio && ratio.nanos < NANO) errs.push(invalid(at('maxLimitRequestRatio'), text(ratio), `ratio ${text(ratio)} is less than 1`));
    if (ratio && min && max) {
      // Kubernetes compares at milli precision: ratio > max/min, printed with Go's %f.
      const bound = Number(max.nanos) / Number(min.nanos);
      if (Number(ratio.nanos) / 1e9 > bound)
        errs.push(invalid(at('maxLimitRequestRatio'), text(ratio), `ratio ${text(ratio)} is greater than max/min = ${goFloat(bound)}`));
    }
    if (!overcommitAllowed(name) && def && defReq && def.nanos !== defReq.nanos)
      errs.push(invalid(at('defaultRequest'), text(defReq), `default value ${text(def)} must equal to defaultRequest value ${text(defReq)} in ${name}`));
  }
}

/** Go's `%f`: six decimals; a division by zero prints `+Inf`. */
function goFloat(x: number): string {
  if (x === Infinity) return '+Inf';
  if (Number.isNaN(x)) return 'NaN';
  return x.toFixed(6);
}

export function validateLimitRange(lr: LimitRange): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  list(lr.spec?.limits).forEach((item, i) => {
    const p = `spec.limits[${i}]`;
    const type = typeof item.type === 'string' ? item.type : '';
    errs.push(...validateLimitTypeName(type, `${p}.type`));
    if (seen.has(type)) errs.push(duplicate(`${p}.type`, type));
    seen.add(type);
    validateItem({ ...item, type }, p, errs);
  });
  return errs;
}
