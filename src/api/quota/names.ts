// Which objects a ResourceQuota's hard limit names, as Kubernetes v1.33's quota evaluators
// match them (pkg/quota/v1/evaluator/core, generic object counts): `count/<plural>[.<group>]`
// for any resource, the bare counts Kubernetes kept for compatibility, pod compute, service
// ports, claim storage (also per storage class).

/** A resource by API group and plural ("" is the core group). */
export interface GroupResource {
  group: string;
  plural: string;
}

/** Object counts that have a bare name besides count/<resource>. */
const CLASSIC_COUNTS = new Set(['pods', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims', 'replicationcontrollers', 'resourcequotas']);

/** The bare counts the generic object-count evaluator charges (legacyObjectCountAliases). */
const GENERIC_ALIASES = new Set(['configmaps', 'secrets', 'replicationcontrollers', 'resourcequotas']);

/** Per storage class claim limits: `<class>.storageclass.storage.k8s.io/requests.storage`. */
export const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';

const core = (plural: string): GroupResource => ({ group: '', plural });

export function isCore(r: GroupResource, plural: string): boolean {
  return r.group === '' && r.plural === plural;
}

/** `count/<plural>` for the core group, `count/<plural>.<group>` otherwise. */
export function countName(r: GroupResource): string {
  return `count/${r.plural}${r.group ? `.${r.group}` : ''}`;
}

/** The bare count name the generic evaluator also charges for this resource, if any. */
export function genericAlias(r: GroupResource): string | undefined {
  return r.group === '' && GENERIC_ALIASES.has(r.plural) ? r.plural : undefined;
}

/** Names whose bare form means the request (`cpu` = `requests.cpu`). */
export function isStandardCompute(name: string): boolean {
  return name === 'cpu' || name === 'memory' || name === 'ephemeral-storage' || name.startsWith('hugepages-');
}

/** The resource whose objects a hard limit counts, or undefined for names no evaluator knows. */
export function countedResource(name: string): GroupResource | undefined {
  if (name.startsWith('count/')) {
    const rest = name.slice('count/'.length);
    const dot = rest.indexOf('.');
    return dot < 0 ? core(rest) : { group: rest.slice(dot + 1), plural: rest.slice(0, dot) };
  }
  if (CLASSIC_COUNTS.has(name)) return core(name);
  if (name.startsWith('services.')) return core('services');
  if (name === 'requests.storage' || name.includes(STORAGE_CLASS_SUFFIX)) return core('persistentvolumeclaims');
  if (name.startsWith('requests.') || name.startsWith('limits.') || isStandardCompute(name)) return core('pods');
  return undefined;
}

/** The hard limit names (of `names`) that objects of `r` use: the evaluator's MatchingResources. */
export function matchingNames(names: Iterable<string>, r: GroupResource): string[] {
  const out: string[] = [];
  for (const name of names) {
    const counted = countedResource(name);
    if (counted && counted.group === r.group && counted.plural === r.plural) out.push(name);
  }
  return out;
}
