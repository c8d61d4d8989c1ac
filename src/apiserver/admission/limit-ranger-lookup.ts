// LimitRanges for admission, read from storage rather than a watch cache: a LimitRange created
// a moment ago already applies to the next pod (Kubernetes reads an informer, with a live
// lookup when the informer holds none for the namespace).
import type { LimitRange } from 'kubernetes-types/core/v1.js';
import { findResource, storagePrefix } from '../../api/resources.js';
import type { Storage } from '../../storage/storage.js';
import { decodeStored } from '../registry/encoding.js';
import type { LimitRangeLookup } from './limit-ranger.js';

export function storedLimitRanges(storage: Storage): LimitRangeLookup {
  const resource = findResource('', 'v1', 'limitranges');
  return async (namespace) => {
    if (!resource) return [];
    const { kvs } = await storage.list(storagePrefix(resource, namespace));
    // Validation checked the shapes of what admission reads when the LimitRange was written.
    return kvs.map((kv) => decodeStored(kv.value) as unknown as LimitRange);
  };
}
