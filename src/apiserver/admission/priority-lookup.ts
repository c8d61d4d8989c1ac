// PriorityClasses for the Priority admission plugin, from the API server's watch cache (as
// Kubernetes' plugin reads its lister): a class whose create was acknowledged already counts.
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { findResource } from '../../api/resources.js';
import type { Registries } from '../registry/registries.js';
import { cachedLookup } from './cache-lookup.js';
import type { PriorityClasses } from './priority.js';

/** `registries` is a getter: the registries are built with the hooks that use this. */
export function cachedPriorityClasses(registries: () => Registries): PriorityClasses {
  const resource = findResource('scheduling.k8s.io', 'v1', 'priorityclasses');
  if (!resource) return { get: async () => undefined, list: async () => [] };
  // Validation checked value, globalDefault and preemptionPolicy when each class was written.
  const lookup = cachedLookup<PriorityClass>(registries, resource);
  return { get: (name) => lookup.get(undefined, name), list: () => lookup.list() };
}
