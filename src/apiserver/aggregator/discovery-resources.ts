// A backend's APIResourceList (its `/apis/{g}/{v}` answer) as resource-table entries, so the
// aggregated discovery document (`/apis` with apidiscovery.k8s.io) lists an extension API
// server's resources next to the local ones, as Kubernetes' discovery aggregation does.
// These entries only describe: requests for them are always proxied.
import { isPlainObject } from '../../api/object.js';
import type { ResourceInfo, SubresourceInfo, Verb } from '../../api/resources.js';

type Plain = Record<string, unknown>;

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function resourcesFromDiscovery(group: string, version: string, body: unknown): ResourceInfo[] {
  const entries = isPlainObject(body) && Array.isArray(body['resources']) ? body['resources'].filter(isPlainObject) : [];
  const out = new Map<string, ResourceInfo & { subresources: SubresourceInfo[] }>();
  const subs: Plain[] = [];
  for (const e of entries) {
    const name = str(e['name']);
    if (name === '') continue;
    if (name.includes('/')) {
      subs.push(e);
      continue;
    }
    const kind = str(e['kind']);
    out.set(name, {
      group,
      version,
      kind,
      listKind: `${kind}List`,
      plural: name,
      singular: str(e['singularName']) || kind.toLowerCase(),
      namespaced: e['namespaced'] === true,
      verbs: strings(e['verbs']) as Verb[],
      shortNames: strings(e['shortNames']),
      categories: strings(e['categories']),
      subresources: [],
    });
  }
  for (const e of subs) {
    const [parent = '', sub = ''] = str(e['name']).split('/');
    const r = out.get(parent);
    if (!r || sub === '') continue;
    const kind = { group: str(e['group']) || group, version: str(e['version']) || version, kind: str(e['kind']) };
    r.subresources.push({ name: sub, kind, verbs: strings(e['verbs']) });
  }
  return [...out.values()];
}
