// The HTTP side of metrics.k8s.io/v1beta1: discovery, then get and list of NodeMetrics and
// PodMetrics, JSON only (kubectl top and the HPA ask for JSON; no Table, no watch). Objects are
// those the API lists (selectors applied there, so errors read as the API's), and only those
// with metrics are returned: a get of one without is NotFound, as in metrics-server.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../api/errors.js';
import { authenticateRequestHeader, type RemoteUser, type RequestHeaderOptions } from './authn.js';
import type { MetricsAuthorizer, MetricsRequest } from './authz.js';
import { nodeMetrics, podMetrics } from './render.js';
import type { ObjectSource, Selectors } from './sources.js';
import type { MetricsStore } from './store.js';
import { METRICS_GROUP, METRICS_GROUP_VERSION, METRICS_VERSION, type MetricsList, type NodeMetrics, type PodMetrics } from './types.js';

export interface MetricsApiOptions {
  store: MetricsStore;
  objects: ObjectSource;
  requestHeader: RequestHeaderOptions;
  /** Absent: every authenticated caller may read everything. */
  authorize?: MetricsAuthorizer;
  now?: () => number;
}

const PREFIX = `/apis/${METRICS_GROUP_VERSION}`;

const RESOURCE_LIST = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: METRICS_GROUP_VERSION,
  resources: [
    { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
    { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
  ],
};

const GROUP = {
  name: METRICS_GROUP,
  versions: [{ groupVersion: METRICS_GROUP_VERSION, version: METRICS_VERSION }],
  preferredVersion: { groupVersion: METRICS_GROUP_VERSION, version: METRICS_VERSION },
};

/** Health paths answer without authentication (metrics-server's always-allowed paths). */
const HEALTH = new Set(['/healthz', '/livez', '/readyz']);

export function metricsApiHandler(o: MetricsApiOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const now = o.now ?? Date.now;
  return (req, res) => {
    void serve(req, o, now).then(
      (answer) => send(res, answer.status, answer.body),
      (err: unknown) => {
        const e = err instanceof ApiError ? err : ApiError.internal(err instanceof Error ? err.message : String(err));
        send(res, e.code, e.toStatus());
      },
    );
  };
}

interface Answer {
  status: number;
  body: unknown;
}

async function serve(req: IncomingMessage, o: MetricsApiOptions, now: () => number): Promise<Answer> {
  const url = new URL(req.url ?? '/', 'https://metrics-server');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (HEALTH.has(path)) {
    if (path === '/readyz' && !o.store.ready) return { status: 500, body: '[-]metric-storage-ready failed: no metrics stored yet' };
    return { status: 200, body: 'ok' };
  }
  const user = authenticateRequestHeader(req, o.requestHeader);
  if (!user) throw new ApiError('Unauthorized', 'Unauthorized');
  if (req.method !== 'GET') throw new ApiError('MethodNotAllowed', 'the server does not allow this method on the requested resource');
  if (path === '/apis') return ok({ kind: 'APIGroupList', apiVersion: 'v1', groups: [GROUP] });
  if (path === `/apis/${METRICS_GROUP}`) return ok({ kind: 'APIGroup', apiVersion: 'v1', ...GROUP });
  if (path === PREFIX) return ok(RESOURCE_LIST);
  const request = parseRequest(path);
  if (!request) throw new ApiError('NotFound', 'the server could not find the requested resource');
  if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
    throw new ApiError('MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }
  if (o.authorize) await authorize(o.authorize, user, request);
  const selectors: Selectors = {
    ...(url.searchParams.get('labelSelector') ? { labelSelector: url.searchParams.get('labelSelector') ?? '' } : {}),
    ...(url.searchParams.get('fieldSelector') ? { fieldSelector: url.searchParams.get('fieldSelector') ?? '' } : {}),
  };
  return ok(request.resource === 'nodes' ? await nodes(o, request, selectors, now()) : await pods(o, request, selectors, now()));
}

function ok(body: unknown): Answer {
  return { status: 200, body };
}

/** `/nodes[/<name>]`, `/pods`, `/namespaces/<ns>/pods[/<name>]` under the group version. */
function parseRequest(path: string): MetricsRequest | undefined {
  if (!path.startsWith(`${PREFIX}/`)) return undefined;
  const parts = path.slice(PREFIX.length + 1).split('/').map(decodeURIComponent);
  const [a, b, c, d, ...rest] = parts;
  if (rest.length > 0) return undefined;
  if (a === 'nodes' && c === undefined) return b === undefined ? { verb: 'list', resource: 'nodes' } : { verb: 'get', resource: 'nodes', name: b };
  if (a === 'pods' && b === undefined) return { verb: 'list', resource: 'pods' };
  if (a === 'namespaces' && b && c === 'pods') {
    return d === undefined ? { verb: 'list', resource: 'pods', namespace: b } : { verb: 'get', resource: 'pods', namespace: b, name: d };
  }
  return undefined;
}

async function authorize(authorizer: MetricsAuthorizer, user: RemoteUser, r: MetricsRequest): Promise<void> {
  const decision = await authorizer(user, r);
  if (decision.allowed) return;
  const what = `${r.resource}.${METRICS_GROUP}${r.name !== undefined ? ` "${r.name}"` : ''}`;
  const scope = r.namespace !== undefined ? `in the namespace "${r.namespace}"` : 'at the cluster scope';
  const why = decision.reason ? `: ${decision.reason}` : '';
  throw new ApiError(
    'Forbidden',
    `${what} is forbidden: User "${user.username}" cannot ${r.verb} resource "${r.resource}" in API group "${METRICS_GROUP}" ${scope}${why}`,
    { ...(r.name !== undefined ? { name: r.name } : {}), group: METRICS_GROUP, kind: r.resource },
  );
}

async function nodes(o: MetricsApiOptions, r: MetricsRequest, selectors: Selectors, nowMs: number): Promise<NodeMetrics | MetricsList<NodeMetrics>> {
  if (r.name !== undefined) {
    const ref = await o.objects.node(r.name);
    const usage = ref ? o.store.node(ref.name) : undefined;
    if (!ref || !usage) throw ApiError.notFound(`nodemetrics.${METRICS_GROUP}`, r.name);
    return nodeMetrics(ref, usage, nowMs);
  }
  const items: NodeMetrics[] = [];
  for (const ref of await o.objects.nodes(selectors)) {
    const usage = o.store.node(ref.name);
    if (usage) items.push(nodeMetrics(ref, usage, nowMs));
  }
  return { kind: 'NodeMetricsList', apiVersion: METRICS_GROUP_VERSION, metadata: {}, items };
}

async function pods(o: MetricsApiOptions, r: MetricsRequest, selectors: Selectors, nowMs: number): Promise<PodMetrics | MetricsList<PodMetrics>> {
  if (r.name !== undefined && r.namespace !== undefined) {
    const ref = await o.objects.pod(r.namespace, r.name);
    const usage = ref ? o.store.pod(r.namespace, ref.name) : undefined;
    // metrics-server names the missing object namespace/name.
    if (!ref || !usage) throw ApiError.notFound(`podmetrics.${METRICS_GROUP}`, `${r.namespace}/${r.name}`);
    return podMetrics(ref, usage, nowMs);
  }
  const items: PodMetrics[] = [];
  for (const ref of await o.objects.pods(r.namespace, selectors)) {
    const usage = o.store.pod(ref.namespace ?? '', ref.name);
    if (usage) items.push(podMetrics(ref, usage, nowMs));
  }
  return { kind: 'PodMetricsList', apiVersion: METRICS_GROUP_VERSION, metadata: {}, items };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}
