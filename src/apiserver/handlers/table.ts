// meta.k8s.io Table and PartialObjectMetadata(List) renderings of objects, for `kubectl get`
// and metadata-only clients.
import type { KubeObject } from '../../api/object.js';
import { ApiError } from '../../api/errors.js';
import type { ResourceInfo } from '../../api/resources.js';
import { tableLayout } from '../tables/tables.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function parseIncludeObject(value: string | null): IncludeObject {
  if (value === null || value === '' || value === 'Metadata') return 'Metadata';
  if (value === 'None' || value === 'Object') return value;
  throw ApiError.badRequest(`includeObject: Unsupported value: "${value}": supported values: "Metadata", "None", "Object"`);
}

export function partialObject(obj: KubeObject, version: string): Record<string, unknown> {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata ?? {} };
}

export interface TableOptions {
  version: string;
  includeObject: IncludeObject;
  listMeta: Record<string, unknown>;
  now: number;
}

export function toTable(resource: ResourceInfo, objects: readonly KubeObject[], options: TableOptions): Record<string, unknown> {
  const layout = tableLayout(resource);
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${options.version}`,
    metadata: options.listMeta,
    columnDefinitions: layout.columns,
    rows: objects.map((obj) => {
      const row: Record<string, unknown> = { cells: layout.cells(obj, options.now) };
      if (options.includeObject === 'Metadata') row['object'] = partialObject(obj, options.version);
      else if (options.includeObject === 'Object') row['object'] = obj;
      return row;
    }),
  };
}
