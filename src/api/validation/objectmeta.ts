// metav1.ObjectMeta and metav1.LabelSelector validation, as apimachinery's
// ValidateObjectMeta / ValidateObjectMetaUpdate / ValidateLabelSelector do it.
import type { ObjectMeta, LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { FieldError } from '../errors.js';
import { isPlainObject } from '../object.js';
import { forbidden, invalid, IMMUTABLE, key, nonNegative, required, tooLong } from './field.js';
import { isQualifiedName, isValidLabelValue, type NameValidator } from './names.js';
import { isDNS1123Label } from './names.js';

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export interface ObjectMetaRules {
  /** Namespaced kinds require metadata.namespace; cluster-scoped kinds forbid it. */
  namespaced: boolean;
  name: NameValidator;
}

export function validateObjectMeta(meta: ObjectMeta | undefined, rules: ObjectMetaRules, path = 'metadata'): FieldError[] {
  const errs: FieldError[] = [];
  const m = meta ?? {};
  if (m.generateName) {
    for (const msg of rules.name(m.generateName, true)) errs.push(invalid(`${path}.generateName`, m.generateName, msg));
  }
  if (!m.name) errs.push(required(`${path}.name`, 'name or generateName is required'));
  else for (const msg of rules.name(m.name, false)) errs.push(invalid(`${path}.name`, m.name, msg));
  if (rules.namespaced) {
    if (!m.namespace) errs.push(required(`${path}.namespace`));
    else for (const msg of isDNS1123Label(m.namespace)) errs.push(invalid(`${path}.namespace`, m.namespace, msg));
  } else if (m.namespace) {
    errs.push(forbidden(`${path}.namespace`, 'not allowed on this type'));
  }
  errs.push(...nonNegative(`${path}.generation`, m.generation));
  errs.push(...validateMetaCommon(m, path));
  return errs;
}

/** Labels, annotations, finalizers and owner references: checked on create and on update. */
function validateMetaCommon(m: ObjectMeta, path: string): FieldError[] {
  return [
    ...validateLabels(m.labels, `${path}.labels`),
    ...validateAnnotations(m.annotations, `${path}.annotations`),
    ...validateFinalizers(m.finalizers, `${path}.finalizers`),
    ...validateOwnerReferences(m.ownerReferences, `${path}.ownerReferences`),
  ];
}

export function validateObjectMetaUpdate(meta: ObjectMeta | undefined, old: ObjectMeta | undefined, path = 'metadata'): FieldError[] {
  const m = meta ?? {};
  const o = old ?? {};
  const errs: FieldError[] = [];
  const immutable = (field: keyof ObjectMeta): void => {
    if (o[field] !== undefined && m[field] !== o[field]) errs.push(invalid(`${path}.${field}`, m[field] ?? '', IMMUTABLE));
  };
  immutable('name');
  immutable('namespace');
  immutable('uid');
  immutable('creationTimestamp');
  if (o.deletionTimestamp && m.deletionTimestamp !== o.deletionTimestamp)
    errs.push(invalid(`${path}.deletionTimestamp`, m.deletionTimestamp ?? null, IMMUTABLE));
  errs.push(...nonNegative(`${path}.generation`, m.generation));
  errs.push(...validateMetaCommon(m, path));
  return errs;
}

export function validateLabels(labels: unknown, path: string): FieldError[] {
  if (labels === undefined || labels === null) return [];
  if (!isPlainObject(labels)) return [invalid(path, labels, 'must be a map of string to string')];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels)) {
    for (const msg of isQualifiedName(k)) errs.push(invalid(path, k, msg));
    if (typeof v !== 'string') {
      errs.push(invalid(key(path, k), v, 'must be a string'));
      continue;
    }
    for (const msg of isValidLabelValue(v)) errs.push(invalid(key(path, k), v, msg));
  }
  return errs;
}

export function validateAnnotations(annotations: unknown, path: string): FieldError[] {
  if (annotations === undefined || annotations === null) return [];
  if (!isPlainObject(annotations)) return [invalid(path, annotations, 'must be a map of string to string')];
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(invalid(path, k, msg));
    total += Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

function validateFinalizers(finalizers: unknown, path: string): FieldError[] {
  if (!Array.isArray(finalizers)) return [];
  const errs: FieldError[] = [];
  for (const f of finalizers) {
    if (typeof f !== 'string') continue;
    for (const msg of isQualifiedName(f)) errs.push(invalid(path, f, msg));
  }
  return errs;
}

function validateOwnerReferences(refs: unknown, path: string): FieldError[] {
  if (!Array.isArray(refs)) return [];
  const errs: FieldError[] = [];
  const controllers: string[] = [];
  refs.forEach((r: unknown, i) => {
    const p = `${path}[${i}]`;
    if (!isPlainObject(r)) return;
    if (!r.apiVersion) errs.push(invalid(`${p}.apiVersion`, r.apiVersion ?? '', 'version must not be empty'));
    if (!r.kind) errs.push(invalid(`${p}.kind`, r.kind ?? '', 'must not be empty'));
    if (!r.name) errs.push(invalid(`${p}.name`, r.name ?? '', 'must not be empty'));
    if (!r.uid) errs.push(invalid(`${p}.uid`, r.uid ?? '', 'must not be empty'));
    if (r.controller === true) controllers.push(`${String(r.kind)}/${String(r.name)}`);
  });
  if (controllers.length > 1)
    errs.push(
      invalid(path, refs, `Only one reference can have Controller set to true. Found "true" in references for ${controllers.join(' and ')}`),
    );
  return errs;
}

export function validateLabelSelector(sel: LabelSelector | undefined, path: string): FieldError[] {
  if (!sel) return [];
  const errs: FieldError[] = [];
  (Array.isArray(sel.matchExpressions) ? sel.matchExpressions : []).forEach((r, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    const values = Array.isArray(r.values) ? r.values : [];
    switch (r.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push(forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(invalid(`${p}.operator`, r.operator, 'not a valid selector operator'));
    }
    for (const msg of isQualifiedName(r.key ?? '')) errs.push(invalid(`${p}.key`, r.key ?? '', msg));
    values.forEach((v, j) => {
      for (const msg of isValidLabelValue(v)) errs.push(invalid(`${p}.values[${j}]`, v, msg));
    });
  });
  errs.push(...validateLabels(sel.matchLabels, `${path}.matchLabels`));
  return errs;
}

/** True when the selector has neither matchLabels nor matchExpressions. */
export function isEmptySelector(sel: LabelSelector): boolean {
  return Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions ?? []).length === 0;
}

/** metav1.LabelSelector semantics; an empty selector matches everything. */
export { selectorMatches } from '../selectors/labels.js';
