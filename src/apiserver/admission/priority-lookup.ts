// PriorityClasses for the Priority admission plugin, read from storage rather than a watch
// cache (as runtime-class-lookup.ts): a class created or deleted a moment ago already counts.
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { findResource, storageKey, storagePrefix } from '../../api/resources.js';
import type { Storage } from '../../storage/storage.js';
import { decodeStored } from '../registry/encoding.js';
import type { PriorityClasses } from './priority.js';

export function storedPriorityClasses(storage: Storage): PriorityClasses {
  const resource = findResource('scheduling.k8s.io', 'v1', 'priorityclasses');
  // Validation checked value, globalDefault and preemptionPolicy when each class was written.
  return {
    get: async (name) => {
      if (!resource) return undefined;
      const { kv } = await storage.get(storageKey(resource, '', name));
      return kv ? (decodeStored(kv.value) as unknown as PriorityClass) : undefined;
    },
    list: async () => {
      if (!resource) return [];
      const { kvs } = await storage.list(storagePrefix(resource));
      return kvs.map((kv) => decodeStored(kv.value) as unknown as PriorityClass);
    },
  };
}
