// The APIServices of this server's own group/versions, as kube-apiserver's autoregister
// controller keeps them: one "Local" APIService (no service) per built-in group/version,
// created at start and labelled `kube-aggregator.kubernetes.io/automanaged: onstart` (left alone
// afterwards, so a deleted one returns at the next start), and one per CRD-defined
// group/version labelled `…/automanaged: true`, created while the CRD serves it and deleted
// after. Priorities: built-in groups descend from 18000 in discovery order (Kubernetes keeps a
// fixed table; the order is the same, the numbers are k8ts'), CRD groups get 1000 and 100.
import { APIREGISTRATION_GROUP, AUTOMANAGED_LABEL, apiServiceName, type APIService } from '../../api/apiregistration.js';
import { ApiError } from '../../api/errors.js';
import { groupVersions, RESOURCES, storageKey, type ResourceInfo } from '../../api/resources.js';
import type { ResourceCatalog } from '../crd/catalog.js';
import type { Registries } from '../registry/registries.js';
import { createIfMissing, systemWriteContext } from '../registry/system-writes.js';

export const APISERVICES = RESOURCES.find((r) => r.group === APIREGISTRATION_GROUP && r.plural === 'apiservices') as ResourceInfo;


function localAPIService(group: string, version: string, groupPriorityMinimum: number, versionPriority: number, managed: 'onstart' | 'true'): APIService {
  return {
    apiVersion: `${APIREGISTRATION_GROUP}/v1`,
    kind: 'APIService',
    metadata: { name: apiServiceName(group, version), labels: { [AUTOMANAGED_LABEL]: managed } },
    spec: { group, version, groupPriorityMinimum, versionPriority },
  };
}

async function createUnlessKnown(registries: Registries, s: APIService): Promise<void> {
  if (registries.cache(APISERVICES).current(storageKey(APISERVICES, '', s.metadata?.name ?? ''))) return;
  await createIfMissing(registries.for(APISERVICES), undefined, s as never, 'kube-apiserver');
}

/** The built-in group/versions' APIServices (at start). */
export async function registerBuiltInAPIServices(registries: Registries): Promise<void> {
  const groups = groupVersions();
  for (const [i, g] of groups.entries()) {
    for (const [j, v] of g.versions.entries()) {
      await createUnlessKnown(registries, localAPIService(g.group, v, 18000 - 100 * i, 15 + g.versions.length - 1 - j, 'onstart'));
    }
  }
}

/** Brings the CRD-defined group/versions' APIServices in line with what the catalog serves. */
export async function syncCustomAPIServices(registries: Registries, catalog: ResourceCatalog): Promise<void> {
  const wanted = new Map<string, APIService>();
  for (const r of catalog.custom()) {
    for (const v of [r.version, ...(r.alsoServedAt ?? [])]) {
      if (catalog.aggregated(r.group, v)) continue;
      wanted.set(apiServiceName(r.group, v), localAPIService(r.group, v, 1000, 100, 'true'));
    }
  }
  const existing = registries.cache(APISERVICES).snapshot();
  for (const o of existing) {
    const name = o.obj.metadata?.name ?? '';
    if (o.labels[AUTOMANAGED_LABEL] === 'true' && !wanted.has(name)) {
      await registries.for(APISERVICES).delete(undefined, name, {}, systemWriteContext('kube-apiserver')).catch((err: unknown) => {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      });
    }
    wanted.delete(name);
  }
  for (const s of wanted.values()) await createUnlessKnown(registries, s);
}
