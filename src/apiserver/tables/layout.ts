// The shape of a table layout and the column helpers every printer uses.
import type { KubeObject } from '../../api/object.js';
import { DOC_KEYS, fieldDescription, type DocKey } from './descriptions.js';

export interface TableColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  priority: number;
}

export interface TableLayout {
  columns: readonly TableColumnDefinition[];
  /**
   * One cell per column, in order, wide (priority 1) columns included: the server always
   * sends every column and kubectl hides priority-1 ones unless `-o wide`. `now` in ms since
   * the epoch, for AGE.
   */
  cells(obj: KubeObject, now: number): unknown[];
}

type ColumnType = TableColumnDefinition['type'];

/**
 * A column. `doc` is either a key into the API reference texts ("PodSpec.nodeName") or a
 * literal description.
 */
export function column(
  name: string,
  type: ColumnType,
  doc: DocKey | (string & {}),
  options: { priority?: number; format?: string } = {},
): TableColumnDefinition {
  const def: TableColumnDefinition = { name, type, format: options.format ?? '', description: '', priority: options.priority ?? 0 };
  if (!isDocKey(doc)) return { ...def, description: doc };
  // Looked up on first serialization, so loading the printers costs nothing.
  Object.defineProperty(def, 'description', { enumerable: true, get: () => fieldDescription(doc) });
  return def;
}

const docKeys: ReadonlySet<string> = new Set(DOC_KEYS);
function isDocKey(doc: string): doc is DocKey {
  return docKeys.has(doc);
}

/** A priority-1 column: shown by kubectl only with `-o wide`. */
export function wide(name: string, type: ColumnType, doc: DocKey | (string & {})): TableColumnDefinition {
  return column(name, type, doc, { priority: 1 });
}

export const NAME = column('Name', 'string', 'ObjectMeta.name', { format: 'name' });
export const AGE = column('Age', 'string', 'ObjectMeta.creationTimestamp');
export const CONTAINERS = wide('Containers', 'string', 'Names of each container in the template.');
export const IMAGES = wide('Images', 'string', 'Images referenced by each container in the template.');

/** Builds a layout whose `cells` never throws: a malformed object gets its name and blanks. */
export function layout(columns: readonly TableColumnDefinition[], cells: (obj: KubeObject, now: number) => unknown[]): TableLayout {
  return {
    columns,
    cells(obj, now) {
      try {
        return cells(obj, now);
      } catch {
        return columns.map((c, i) => (i === 0 ? (obj.metadata?.name ?? '') : c.type === 'string' ? '' : null));
      }
    },
  };
}
