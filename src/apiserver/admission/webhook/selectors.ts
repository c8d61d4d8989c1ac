// namespaceSelector and objectSelector, as Kubernetes' namespace and object matchers: a
// cluster-scoped object (other than a namespace) is never exempted by a namespace selector;
// a namespace being created or updated is matched on its own new labels, otherwise the
// namespace's labels are read (watch cache, else storage); the object selector matches when
// the new or the old object's labels satisfy it.
import { ApiError } from '../../../api/errors.js';
import type { KubeObject } from '../../../api/object.js';
import { findResource, storageKey } from '../../../api/resources.js';
import type { Registries } from '../../registry/registries.js';
import type { Attributes } from './attributes.js';
import type { Webhook } from './webhook.js';

type Labels = Readonly<Record<string, string>>;

export function isNamespaceResource(a: Attributes): boolean {
  return a.resource.group === '' && a.resource.plural === 'namespaces';
}

function labelsOf(obj: KubeObject | undefined): Labels | undefined {
  // Connect options carry no metadata: Kubernetes' accessor fails on them, so they never match.
  if (!obj || typeof obj.metadata !== 'object' || obj.metadata === null) return undefined;
  return obj.metadata.labels ?? {};
}

/** The labels the namespace selector is matched on, looked up at most once per request. */
export function namespaceLabelsOf(registries: Registries, a: Attributes): () => Promise<Labels> {
  let found: Promise<Labels> | undefined;
  const lookup = async (): Promise<Labels> => {
    if (isNamespaceResource(a) && a.subresource === '' && (a.operation === 'CREATE' || a.operation === 'UPDATE')) return labelsOf(a.object) ?? {};
    const namespaces = findResource('', 'v1', 'namespaces');
    if (!namespaces) return {};
    const cached = registries.cache(namespaces).current(storageKey(namespaces, '', a.namespace));
    if (cached) return cached.labels;
    // Not (yet) in the cache: storage decides, as Kubernetes asks the API when its lister misses.
    return (await registries.for(namespaces).get(undefined, a.namespace)).obj.metadata?.labels ?? {};
  };
  return () => (found ??= lookup());
}

/**
 * Whether the webhook's selectors let the request through. A selector that does not parse
 * is an error only for a request the webhook's rules match (the caller checks rules first).
 */
export async function selectorsMatch(hook: Webhook, a: Attributes, namespaceLabels: () => Promise<Labels>): Promise<boolean> {
  const ns = hook.namespaceSelector;
  if (a.namespace !== '' || isNamespaceResource(a)) {
    if (!ns.ok) throw ns.error;
    if (!ns.matcher.empty) {
      let labels: Labels;
      try {
        labels = await namespaceLabels();
      } catch (err) {
        if (err instanceof ApiError && err.code === 404) throw ApiError.notFound('namespaces', a.namespace);
        throw err;
      }
      if (!ns.matcher.matches(labels)) return false;
    }
  }
  const os = hook.objectSelector;
  if (!os.ok) throw os.error;
  if (os.matcher.empty) return true;
  const matches = (o: KubeObject | undefined): boolean => {
    const labels = labelsOf(o);
    return labels !== undefined && os.matcher.matches(labels);
  };
  return matches(a.object) || matches(a.oldObject);
}
