// ServiceAccounts for admission, read from storage: Kubernetes reads its informer cache and
// falls back to a live read when the account is missing there; a storage read is that live
// read, and sees an account created a moment ago.
import type { ServiceAccount } from 'kubernetes-types/core/v1.js';
import { findResource, storageKey } from '../../api/resources.js';
import type { Storage } from '../../storage/storage.js';
import { decodeStored } from '../registry/encoding.js';
import type { ServiceAccountLookup } from './service-account.js';

export function storedServiceAccounts(storage: Storage): ServiceAccountLookup {
  const resource = findResource('', 'v1', 'serviceaccounts');
  return async (namespace, name) => {
    if (!resource) return undefined;
    const { kv } = await storage.get(storageKey(resource, namespace, name));
    // Admission reads only optional fields, with defaults for absent ones.
    return kv ? (decodeStored(kv.value) as unknown as ServiceAccount) : undefined;
  };
}
