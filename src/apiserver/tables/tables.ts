// Table output (meta.k8s.io/v1 Table) for `kubectl get`: the columns kubectl users know for
// each resource. Priority-1 columns appear only with `-o wide`.
import type { KubeObject } from '../../api/object.js';
import type { ResourceInfo } from '../../api/resources.js';

export interface TableColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  priority: number;
}

export interface TableLayout {
  columns: readonly TableColumnDefinition[];
  /** One cell per column, in order. `now` in ms since the epoch, for AGE. */
  cells(obj: KubeObject, now: number): unknown[];
}

/** The layout for a resource; a NAME/AGE layout (as for custom resources) when none is defined. */
export function tableLayout(_resource: ResourceInfo): TableLayout {
  throw new Error('not implemented');
}

/** Kubernetes' short duration format used in AGE columns: 5s, 3m2s, 10m, 5h, 3d4h, 20d, 2y. */
export function humanDuration(_ms: number): string {
  throw new Error('not implemented');
}
