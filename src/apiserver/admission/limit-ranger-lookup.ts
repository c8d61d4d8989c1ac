// LimitRanges for admission, from the API server's watch cache (Kubernetes' LimitRanger reads an
// informer): a LimitRange whose create was acknowledged applies to the pods created after it.
import type { LimitRange } from 'kubernetes-types/core/v1.js';
import { findResource } from '../../api/resources.js';
import type { Registries } from '../registry/registries.js';
import { cachedLookup } from './cache-lookup.js';
import type { LimitRangeLookup } from './limit-ranger.js';

/** `registries` is a getter: the registries are built with the hooks that use this. */
export function cachedLimitRanges(registries: () => Registries): LimitRangeLookup {
  const resource = findResource('', 'v1', 'limitranges');
  if (!resource) return async () => [];
  const lookup = cachedLookup<LimitRange>(registries, resource);
  // Validation checked the shapes of what admission reads when the LimitRange was written.
  return (namespace) => lookup.list(namespace);
}
