// Tables of custom resources: NAME, then the CRD's additionalPrinterColumns (or AGE when it has
// none), each cell read with the column's JSONPath and typed as Kubernetes' CR table convertor
// does (a `date` column shows an age). k8ts takes the columns of the storage version for every
// served version (Kubernetes lets them differ per version).
import type { CustomResourceColumnDefinition } from 'kubernetes-types/apiextensions/v1.js';
import type { KubeObject } from '../../api/object.js';
import { isPlainObject } from '../../api/object.js';
import type { ResourceInfo } from '../../api/resources.js';
import { since } from './format.js';
import { NAME, column, layout, type TableColumnDefinition, type TableLayout } from './layout.js';

const AGE_COLUMN: CustomResourceColumnDefinition = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

const built = new WeakMap<ResourceInfo, TableLayout>();

/** The layout of a custom resource's table (undefined for built-in resources). */
export function customResourceLayout(resource: ResourceInfo): TableLayout | undefined {
  const custom = resource.custom;
  if (!custom) return undefined;
  let l = built.get(resource);
  if (l) return l;
  const defined = custom.versions.get(resource.version)?.printerColumns ?? [];
  const columns = defined.length > 0 ? defined : [AGE_COLUMN];
  const defs: TableColumnDefinition[] = [
    NAME,
    ...columns.map((c) => column(c.name, columnType(c.type), c.description ?? '', { priority: c.priority ?? 0, format: c.format ?? '' })),
  ];
  const paths = columns.map((c) => parseJsonPath(c.jsonPath));
  l = layout(defs, (obj, now) => [obj.metadata?.name ?? '', ...columns.map((c, i) => cell(c.type, evaluate(obj, paths[i] ?? []), now))]);
  built.set(resource, l);
  return l;
}

function columnType(t: string): TableColumnDefinition['type'] {
  return t === 'integer' || t === 'number' || t === 'boolean' || t === 'date' ? t : 'string';
}

function cell(type: string, value: unknown, now: number): unknown {
  if (value === undefined) return null;
  switch (type) {
    case 'date':
      return typeof value === 'string' ? (since(value, now) || '<invalid>') : null;
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? value : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    default:
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

type Step = { key: string } | { index: number } | { filter: { path: string[]; value: string } };

/**
 * The JSONPaths printer columns use: `.a.b`, `.a[0]`, `.a[?(@.type=="Ready")].status`.
 * Anything else finds nothing.
 */
export function parseJsonPath(path: string): Step[] {
  const steps: Step[] = [];
  const re = /\.([^.[\]]+)|\[(\d+)\]|\[\?\(@\.([^=!<>]+)==["']([^"']*)["']\)\]/g;
  let m: RegExpExecArray | null;
  const text = path.replace(/^\{|\}$/g, '');
  while ((m = re.exec(text)) !== null) {
    if (m[1] !== undefined) steps.push({ key: m[1] });
    else if (m[2] !== undefined) steps.push({ index: Number(m[2]) });
    else if (m[3] !== undefined) steps.push({ filter: { path: m[3].split('.'), value: m[4] ?? '' } });
  }
  return steps;
}

function evaluate(obj: KubeObject, steps: readonly Step[]): unknown {
  let cur: unknown = obj;
  for (const s of steps) {
    if ('key' in s) cur = isPlainObject(cur) ? cur[s.key] : undefined;
    else if ('index' in s) cur = Array.isArray(cur) ? cur[s.index] : undefined;
    else {
      const f = s.filter;
      cur = Array.isArray(cur) ? cur.find((item) => String(f.path.reduce<unknown>((v, k) => (isPlainObject(v) ? v[k] : undefined), item)) === f.value) : undefined;
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}
