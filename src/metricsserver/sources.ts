// Where the metrics server's inputs come from, as interfaces so tests can stand in for the
// cluster: kubelet summaries (SummarySource) and the pods and nodes the API knows, with their
// labels (ObjectSource). The implementations here talk only to the API server: summaries go
// through the node proxy (`/api/v1/nodes/<name>/proxy/stats/summary`), as the component has no
// credentials of its own for kubelets.
import { ApiError } from '../api/errors.js';
import { isPlainObject } from '../api/object.js';
import type { ApiClient, ObjectLike } from '../client/client.js';
import { apiErrorFromResponse } from '../client/status.js';
import type { Summary } from '../kubelet/stats/summary-types.js';

export interface SummarySource {
  /** The nodes to scrape. */
  nodeNames(signal: AbortSignal): Promise<string[]>;
  summary(nodeName: string, signal: AbortSignal): Promise<Summary>;
}

export interface ObjectRef {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
}

export interface Selectors {
  labelSelector?: string;
  fieldSelector?: string;
}

/**
 * The objects metrics are served for. Selector errors are thrown as the ApiError the API gives
 * (BadRequest), and reach the metrics caller unchanged.
 */
export interface ObjectSource {
  nodes(selectors: Selectors): Promise<ObjectRef[]>;
  node(name: string): Promise<ObjectRef | undefined>;
  /** `namespace` undefined: every namespace. */
  pods(namespace: string | undefined, selectors: Selectors): Promise<ObjectRef[]>;
  pod(namespace: string, name: string): Promise<ObjectRef | undefined>;
}

const NODES = { group: '', version: 'v1', resource: 'nodes' } as const;
const PODS = { group: '', version: 'v1', resource: 'pods' } as const;

export function apiSummarySource(client: ApiClient): SummarySource {
  return {
    async nodeNames(signal) {
      const list = await client.resource(NODES).list({ resourceVersion: '0' }, signal);
      return list.items.map((n) => n.metadata?.name ?? '').filter((n) => n !== '');
    },
    async summary(nodeName, signal) {
      const res = await client.transport.request({
        method: 'GET',
        path: `/api/v1/nodes/${encodeURIComponent(nodeName)}/proxy/stats/summary`,
        query: { only_cpu_and_memory: 'true' },
        signal,
      });
      if (res.status < 200 || res.status > 299) throw apiErrorFromResponse(res.status, res.body);
      const parsed: unknown = JSON.parse(Buffer.from(res.body).toString('utf8'));
      if (!isSummary(parsed)) throw new Error(`node ${nodeName}: the kubelet answered something other than a stats summary`);
      return parsed;
    },
  };
}

/** Enough of a shape check that the decoder can trust the fields it reads. */
function isSummary(v: unknown): v is Summary {
  if (!isPlainObject(v) || !isPlainObject(v['node']) || !Array.isArray(v['pods'])) return false;
  return v['pods'].every((p: unknown) => isPlainObject(p) && isPlainObject(p['podRef']) && Array.isArray(p['containers']));
}

export function apiObjectSource(client: ApiClient): ObjectSource {
  const ref = (o: ObjectLike): ObjectRef => ({
    name: o.metadata?.name ?? '',
    ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}),
    ...(o.metadata?.labels ? { labels: o.metadata.labels } : {}),
  });
  const getOrUndefined = async (get: () => Promise<ObjectLike>): Promise<ObjectRef | undefined> => {
    try {
      return ref(await get());
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    }
  };
  return {
    async nodes(selectors) {
      return (await client.resource(NODES).list({ ...selectors, resourceVersion: '0' })).items.map(ref);
    },
    node: (name) => getOrUndefined(() => client.resource(NODES).get(name)),
    async pods(namespace, selectors) {
      return (await client.resource(PODS, namespace).list({ ...selectors, resourceVersion: '0' })).items.map(ref);
    },
    pod: (namespace, name) => getOrUndefined(() => client.resource(PODS, namespace).get(name)),
  };
}
