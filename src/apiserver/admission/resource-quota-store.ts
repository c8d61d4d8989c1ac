// ResourceQuotas for quota admission: whether a namespace has any is read from the watch cache;
// those there are read from storage (a charge a moment ago is already seen; no watch cache
// lag), status.used written through the registry's status subresource with the read's
// resourceVersion, so a concurrent change makes the write fail instead of being overwritten
// (Kubernetes' admission updates quota status the same way).
import type { ResourceQuota } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { findResource, storagePrefix, type ResourceInfo } from '../../api/resources.js';
import type { Storage } from '../../storage/storage.js';
import { decodeStored, withResourceVersion } from '../registry/encoding.js';
import type { Registries } from '../registry/registries.js';
import { cachedLookup } from './cache-lookup.js';
import { systemWriteContext } from '../registry/system-writes.js';

export interface QuotaAccess {
  /** Whether the watch cache has any quota in the namespace (a cheap look before reading storage). */
  hasAny(namespace: string): Promise<boolean>;
  /** The namespace's quotas as stored now, with their resourceVersions, in name order. */
  list(namespace: string): Promise<ResourceQuota[]>;
  /** Sets status.used if the quota is unchanged since `quota` was read; false when it changed or is gone. */
  writeUsed(quota: ResourceQuota, used: Record<string, string>): Promise<boolean>;
}

function quotasResource(): ResourceInfo {
  const r = findResource('', 'v1', 'resourcequotas');
  if (!r) throw new Error('resourcequotas is not a known resource');
  return r;
}

const writeContext = () => systemWriteContext('kube-apiserver');

/** `registries` is a getter: the registries are built with the hooks that use this. */
export function storedQuotas(storage: Storage, registries: () => Registries): QuotaAccess {
  const resource = quotasResource();
  const cache = cachedLookup<ResourceQuota>(registries, resource);
  return {
    hasAny: (namespace) => cache.hasAny(namespace),
    list: async (namespace) => {
      const { kvs } = await storage.list(storagePrefix(resource, namespace));
      // Admission reads status and scopes, whose shapes validation checked when they were written.
      return kvs.map((kv) => decodeStored(withResourceVersion(kv.value, kv.modRevision)) as ResourceQuota);
    },
    writeUsed: async (quota, used) => {
      const body = { ...quota, status: { ...quota.status, used } } as KubeObject;
      try {
        await registries().for(resource).update(quota.metadata?.namespace, quota.metadata?.name ?? '', body, writeContext(), { subresource: 'status' });
        return true;
      } catch (err) {
        if (err instanceof ApiError && (err.code === 409 || err.code === 404)) return false;
        throw err;
      }
    },
  };
}
