// RuntimeClasses for admission, read from storage rather than a watch cache: a class deleted a
// moment ago must already refuse pods, and only pods naming a class pay for the read.
import type { RuntimeClass } from 'kubernetes-types/node/v1.js';
import { findResource, storageKey } from '../../api/resources.js';
import type { Storage } from '../../storage/storage.js';
import { decodeStored } from '../registry/encoding.js';
import type { RuntimeClassLookup } from './runtime-class.js';

export function storedRuntimeClasses(storage: Storage): RuntimeClassLookup {
  const resource = findResource('node.k8s.io', 'v1', 'runtimeclasses');
  return async (name) => {
    if (!resource) return undefined;
    const { kv } = await storage.get(storageKey(resource, '', name));
    // Admission reads only optional fields, and checks their shapes where a wrong one could throw.
    return kv ? (decodeStored(kv.value) as unknown as RuntimeClass) : undefined;
  };
}
