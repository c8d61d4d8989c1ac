// Field selectors (`metadata.name=x,spec.nodeName!=`) and the fields each resource offers for
// them, as Kubernetes defines them per resource. Grammar and error wording follow
// k8s.io/apimachinery/pkg/fields; the per-resource field labels follow the field label
// conversion functions Kubernetes registers for each kind.
import { ApiError } from '../errors.js';
import { isPlainObject, type KubeObject } from '../object.js';
import type { ResourceInfo } from '../resources.js';

export interface FieldMatcher {
  matches(fields: Readonly<Record<string, string>>): boolean;
  readonly empty: boolean;
  /** For `metadata.name=X` selectors: the single name required, so lookups can be direct. */
  readonly requiredName?: string;
  /** The value an `=`/`==` term demands of `field` (e.g. spec.nodeName for a kubelet's watch). */
  requiredValue(field: string): string | undefined;
  toString(): string;
}

export interface FieldTerm {
  readonly field: string;
  /** `==` parses as `=`. */
  readonly operator: '=' | '!=';
  readonly value: string;
}

/**
 * Parses a field selector for `resource`; throws ApiError BadRequest for bad syntax or a field
 * label the resource does not support (`field label not supported: foo`).
 */
export function parseFieldSelector(text: string, resource: ResourceInfo): FieldMatcher {
  const terms: FieldTerm[] = [];
  const labels = fieldLabels(resource);
  for (const part of splitTerms(text).sort()) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (!split) throw ApiError.badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    const value = unescapeValue(split.rhs);
    terms.push({ field: labels.convert(split.lhs), operator: split.operator, value });
  }
  return new Selector(terms);
}

/** The selectable fields of an object: always metadata.name and metadata.namespace (if namespaced). */
export function selectableFields(resource: ResourceInfo, obj: KubeObject): Record<string, string> {
  const fields: Record<string, string> = { 'metadata.name': obj.metadata?.name ?? '' };
  if (resource.namespaced) fields['metadata.namespace'] = obj.metadata?.namespace ?? '';
  const extra = FIELD_SETS[`${resource.group}/${resource.plural}`];
  if (extra) Object.assign(fields, extra.fields(obj));
  return fields;
}

/** Escapes `\`, `,` and `=` in a value, as `fields.EscapeValue` does. */
export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

class Selector implements FieldMatcher {
  readonly requiredName?: string;
  private readonly text: string;

  constructor(readonly terms: readonly FieldTerm[]) {
    this.text = terms.map((t) => `${t.field}${t.operator}${escapeFieldValue(t.value)}`).join(',');
    const name = this.requiredValue('metadata.name');
    if (name !== undefined) this.requiredName = name;
  }

  get empty(): boolean {
    return this.terms.length === 0;
  }

  matches(fields: Readonly<Record<string, string>>): boolean {
    for (const t of this.terms) {
      const have = fields[t.field] ?? '';
      if (t.operator === '=' ? have !== t.value : have === t.value) return false;
    }
    return true;
  }

  requiredValue(field: string): string | undefined {
    return this.terms.find((t) => t.field === field && t.operator === '=')?.value;
  }

  toString(): string {
    return this.text;
  }
}

/** The selector that matches everything. */
export const EVERYTHING_FIELDS: FieldMatcher = new Selector([]);

// ---- grammar ----

/** Splits on commas not escaped with a backslash; escapes stay in place for unescapeValue. */
function splitTerms(text: string): string[] {
  if (text === '') return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

/** The first operator in the term wins; `!=` and `==` are tried before `=` at each position. */
function splitTerm(term: string): { lhs: string; operator: '=' | '!='; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    const rest = term.slice(i);
    if (rest.startsWith('!=')) return { lhs: term.slice(0, i), operator: '!=', rhs: term.slice(i + 2) };
    if (rest.startsWith('==')) return { lhs: term.slice(0, i), operator: '=', rhs: term.slice(i + 2) };
    if (rest.startsWith('=')) return { lhs: term.slice(0, i), operator: '=', rhs: term.slice(i + 1) };
  }
  return undefined;
}

function unescapeValue(s: string): string {
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') {
        throw ApiError.badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      out += c;
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      // Kubernetes prints the rune with %v: its code point.
      throw ApiError.badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else {
      out += c;
    }
  }
  if (inSlash) throw ApiError.badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

// ---- per-resource field labels ----

interface FieldSet {
  /** Labels beyond metadata.name / metadata.namespace. */
  labels: readonly string[];
  /** Old spellings still accepted, mapped to the current label. */
  aliases?: Readonly<Record<string, string>>;
  fields(obj: KubeObject): Record<string, string>;
}

interface FieldLabels {
  /** The canonical label, or throws BadRequest for a label the resource does not support. */
  convert(label: string): string;
}

function fieldLabels(resource: ResourceInfo): FieldLabels {
  const set = FIELD_SETS[`${resource.group}/${resource.plural}`];
  if (!set) {
    // Kinds without their own conversion accept exactly the two metadata labels, whatever
    // their scope, with a differently worded refusal.
    return {
      convert(label) {
        if (label === 'metadata.name' || label === 'metadata.namespace') return label;
        throw ApiError.badRequest(`"${label}" is not a known field selector: only "metadata.name", "metadata.namespace"`);
      },
    };
  }
  const allowed = new Set(['metadata.name', ...(resource.namespaced ? ['metadata.namespace'] : []), ...set.labels]);
  return {
    convert(label) {
      const canonical = set.aliases?.[label] ?? label;
      if (allowed.has(canonical)) return canonical;
      throw ApiError.badRequest(`field label not supported: ${label}`);
    },
  };
}

function at(obj: unknown, ...path: string[]): unknown {
  let cur = obj;
  for (const p of path) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

function str(obj: unknown, ...path: string[]): string {
  const v = at(obj, ...path);
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

function bool(obj: unknown, ...path: string[]): string {
  return at(obj, ...path) === true ? 'true' : 'false';
}

function int(obj: unknown, ...path: string[]): string {
  const v = at(obj, ...path);
  return typeof v === 'number' ? String(Math.trunc(v)) : '0';
}

function firstPodIP(obj: KubeObject): string {
  const ips = at(obj, 'status', 'podIPs');
  if (Array.isArray(ips) && ips.length > 0) return str(ips[0], 'ip');
  return str(obj, 'status', 'podIP');
}

const EVENT_LABELS = [
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'source',
  'type',
] as const;

/**
 * Fields of an Event, core or events.k8s.io: the events.k8s.io shape names the involved object
 * `regarding`, and keeps the core source as `deprecatedSource`. Both are selected with the core
 * labels, as Kubernetes stores both in one shape.
 */
function eventFields(obj: KubeObject): Record<string, string> {
  const ref = isPlainObject(obj['involvedObject']) ? obj['involvedObject'] : obj['regarding'];
  const source = str(obj, 'source', 'component') || str(obj, 'deprecatedSource', 'component') || str(obj, 'reportingController') || str(obj, 'reportingComponent');
  return {
    'involvedObject.kind': str(ref, 'kind'),
    'involvedObject.namespace': str(ref, 'namespace'),
    'involvedObject.name': str(ref, 'name'),
    'involvedObject.uid': str(ref, 'uid'),
    'involvedObject.apiVersion': str(ref, 'apiVersion'),
    'involvedObject.resourceVersion': str(ref, 'resourceVersion'),
    'involvedObject.fieldPath': str(ref, 'fieldPath'),
    reason: str(obj, 'reason'),
    reportingComponent: str(obj, 'reportingController') || str(obj, 'reportingComponent'),
    source,
    type: str(obj, 'type'),
  };
}

/** Keyed by `group/plural`. */
const FIELD_SETS: Readonly<Record<string, FieldSet>> = {
  '/pods': {
    labels: [
      'spec.nodeName',
      'spec.restartPolicy',
      'spec.schedulerName',
      'spec.serviceAccountName',
      'spec.hostNetwork',
      'status.phase',
      'status.podIP',
      'status.nominatedNodeName',
    ],
    aliases: { 'spec.host': 'spec.nodeName' },
    fields: (o) => ({
      'spec.nodeName': str(o, 'spec', 'nodeName'),
      'spec.restartPolicy': str(o, 'spec', 'restartPolicy'),
      'spec.schedulerName': str(o, 'spec', 'schedulerName'),
      'spec.serviceAccountName': str(o, 'spec', 'serviceAccountName'),
      'spec.hostNetwork': bool(o, 'spec', 'hostNetwork'),
      'status.phase': str(o, 'status', 'phase'),
      'status.podIP': firstPodIP(o),
      'status.nominatedNodeName': str(o, 'status', 'nominatedNodeName'),
    }),
  },
  '/events': { labels: EVENT_LABELS, fields: eventFields },
  'events.k8s.io/events': { labels: EVENT_LABELS, fields: eventFields },
  '/secrets': { labels: ['type'], fields: (o) => ({ type: str(o, 'type') }) },
  '/namespaces': { labels: ['status.phase'], fields: (o) => ({ 'status.phase': str(o, 'status', 'phase') }) },
  '/nodes': { labels: ['spec.unschedulable'], fields: (o) => ({ 'spec.unschedulable': bool(o, 'spec', 'unschedulable') }) },
  '/replicationcontrollers': {
    labels: ['status.replicas'],
    fields: (o) => ({ 'status.replicas': int(o, 'status', 'replicas') }),
  },
  'apps/replicasets': { labels: ['status.replicas'], fields: (o) => ({ 'status.replicas': int(o, 'status', 'replicas') }) },
  'batch/jobs': { labels: ['status.successful'], fields: (o) => ({ 'status.successful': int(o, 'status', 'succeeded') }) },
  '/services': {
    labels: ['spec.clusterIP', 'spec.type'],
    fields: (o) => ({ 'spec.clusterIP': str(o, 'spec', 'clusterIP'), 'spec.type': str(o, 'spec', 'type') }),
  },
  'certificates.k8s.io/certificatesigningrequests': {
    labels: ['spec.signerName'],
    fields: (o) => ({ 'spec.signerName': str(o, 'spec', 'signerName') }),
  },
};
