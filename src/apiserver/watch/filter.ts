// Which events a watcher sees, and as what: an object entering the watcher's selection is
// ADDED, one leaving it is DELETED (its previous state at the event's revision), as Kubernetes'
// cacheWatcher does.
import type { FieldMatcher } from '../../api/selectors/fields.js';
import type { LabelMatcher } from '../../api/selectors/labels.js';
import type { CachedObject, CacheEvent, EventType } from './cache.js';

export interface WatchFilter {
  namespace: string | undefined;
  labels: LabelMatcher | undefined;
  fields: FieldMatcher | undefined;
}

export function matchesFilter(f: WatchFilter, o: CachedObject): boolean {
  if (f.namespace !== undefined && o.namespace !== f.namespace) return false;
  if (f.labels && !f.labels.matches(o.labels)) return false;
  if (f.fields && !f.fields.matches(o.fields)) return false;
  return true;
}

/** `prevAsDeleted`: send the previous state (it left the selection) stamped with event.rv. */
export interface Delivery {
  type: EventType;
  prevAsDeleted: boolean;
}

export function deliveryFor(f: WatchFilter, ev: CacheEvent): Delivery | undefined {
  const now = matchesFilter(f, ev.object);
  if (ev.type === 'DELETED') return now ? { type: 'DELETED', prevAsDeleted: false } : undefined;
  const before = ev.type === 'MODIFIED' && ev.prev !== undefined && matchesFilter(f, ev.prev);
  if (now) return { type: before || (ev.type === 'MODIFIED' && ev.prev === undefined) ? 'MODIFIED' : 'ADDED', prevAsDeleted: false };
  if (before) return { type: 'DELETED', prevAsDeleted: true };
  return undefined;
}
