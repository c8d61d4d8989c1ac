// Table output (meta.k8s.io/v1 Table) for `kubectl get`: the columns kubectl users know for
// each resource. Priority-1 columns appear only with `-o wide`. The API server wraps the cells
// into rows (with `row.object` as PartialObjectMetadata); this module only knows columns and
// how to compute each cell from an object, as Kubernetes' printers do.
import type { KubeObject } from '../../api/object.js';
import { findResource, type ResourceInfo } from '../../api/resources.js';
import { APIREGISTRATION_LAYOUTS } from './apiregistration.js';
import { CORE_LAYOUTS } from './core.js';
import { customResourceLayout } from './custom.js';
import { age } from './format.js';
import { NAME, column, layout, type TableLayout } from './layout.js';
import { DISCOVERY_LAYOUTS, NETWORKING_LAYOUTS } from './networking.js';
import { PLATFORM_LAYOUTS } from './platform.js';
import { APPS_LAYOUTS, BATCH_LAYOUTS } from './workloads.js';

export type { TableColumnDefinition, TableLayout } from './layout.js';
export { humanDuration } from './format.js';

/**
 * Built-in kinds without a printer of their own (roles, clusterroles, limitranges, CRDs,
 * reviews…) get Kubernetes' default table: NAME and CREATED AT as an RFC 3339 timestamp.
 */
const CREATED_AT_LAYOUT: TableLayout = layout(
  [NAME, column('Created At', 'date', 'ObjectMeta.creationTimestamp')],
  (o) => [o.metadata?.name ?? '', createdAt(o)],
);

/** Custom resources without printer columns: NAME and AGE, as a CRD's default columns give. */
const CUSTOM_RESOURCE_LAYOUT: TableLayout = layout(
  [NAME, column('Age', 'date', 'Custom resource definition column (in JSONPath format): .metadata.creationTimestamp')],
  (o, now) => [o.metadata?.name ?? '', age(o, now)],
);

/** RFC 3339 in UTC without fractional seconds, as Go's time.RFC3339 prints it. */
function createdAt(o: KubeObject): string {
  const ts = o.metadata?.creationTimestamp;
  if (!ts) return '0001-01-01T00:00:00Z';
  const t = Date.parse(ts);
  return Number.isNaN(t) ? ts : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

let byResource: Map<string, TableLayout> | undefined;

function layouts(): Map<string, TableLayout> {
  if (byResource) return byResource;
  byResource = new Map();
  for (const [plural, l] of Object.entries(CORE_LAYOUTS)) byResource.set(`/${plural}`, l);
  for (const [plural, l] of Object.entries(APPS_LAYOUTS)) byResource.set(`apps/${plural}`, l);
  for (const [plural, l] of Object.entries(BATCH_LAYOUTS)) byResource.set(`batch/${plural}`, l);
  for (const [plural, l] of Object.entries(NETWORKING_LAYOUTS)) byResource.set(`networking.k8s.io/${plural}`, l);
  for (const [plural, l] of Object.entries(DISCOVERY_LAYOUTS)) byResource.set(`discovery.k8s.io/${plural}`, l);
  for (const [key, l] of Object.entries(PLATFORM_LAYOUTS)) byResource.set(key, l);
  for (const [key, l] of Object.entries(APIREGISTRATION_LAYOUTS)) byResource.set(key, l);
  // events.k8s.io Events share the core printer, as they share the core storage in Kubernetes.
  const events = CORE_LAYOUTS['events'];
  if (events) byResource.set('events.k8s.io/events', events);
  return byResource;
}

/** The layout for a resource; a NAME/AGE layout (as for custom resources) when none is defined. */
export function tableLayout(resource: ResourceInfo): TableLayout {
  const custom = customResourceLayout(resource);
  if (custom) return custom;
  const known = layouts().get(`${resource.group}/${resource.plural}`);
  if (known) return known;
  const builtIn = findResource(resource.group, resource.version, resource.plural) !== undefined;
  return builtIn ? CREATED_AT_LAYOUT : CUSTOM_RESOURCE_LAYOUT;
}

// For callers composing layouts of their own (a CRD's additionalPrinterColumns).
export { AGE as AGE_COLUMN, NAME as NAME_COLUMN, column, layout } from './layout.js';
