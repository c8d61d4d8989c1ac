// Accept-header negotiation for the response forms Kubernetes clients ask for: plain JSON,
// meta.k8s.io Table, PartialObjectMetadata(List), and aggregated discovery.

export type ResponseForm =
  | { kind: 'json' }
  | { kind: 'table'; version: 'v1' | 'v1beta1' }
  | { kind: 'partial'; version: 'v1' | 'v1beta1'; list: boolean }
  | { kind: 'discovery'; version: 'v2' | 'v2beta1' };

interface MediaRange {
  type: string;
  params: Record<string, string>;
  q: number;
}

export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [];
  const out: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    if (!type) continue;
    const p: Record<string, string> = {};
    for (const kv of params) {
      const eq = kv.indexOf('=');
      if (eq > 0) p[kv.slice(0, eq).trim().toLowerCase()] = kv.slice(eq + 1).trim().replace(/^"|"$/g, '');
    }
    const q = p['q'] === undefined ? 1 : Number(p['q']);
    out.push({ type: type.toLowerCase(), params: p, q: Number.isFinite(q) ? q : 0 });
  }
  // Stable sort by preference: the order among equal q values is the client's.
  return out.map((m, i) => ({ m, i })).sort((a, b) => b.m.q - a.m.q || a.i - b.i).map((x) => x.m);
}

const JSONISH = new Set(['application/json', 'application/*', '*/*', 'application/vnd.kubernetes.protobuf', 'application/yaml']);

/**
 * The first form the server can produce among the ones accepted; `allow` limits which special
 * forms the endpoint offers (discovery only at /api and /apis, tables only for resources).
 */
export function negotiate(header: string | undefined, allow: { table?: boolean; discovery?: boolean }): ResponseForm {
  const ranges = parseAccept(header);
  if (ranges.length === 0) return { kind: 'json' };
  for (const r of ranges) {
    if (r.q <= 0) continue;
    const as = r.params['as'];
    if (as === undefined) {
      if (JSONISH.has(r.type)) return { kind: 'json' };
      continue;
    }
    if (r.type !== 'application/json') continue;
    const g = r.params['g'];
    const v = r.params['v'];
    if (allow.table && g === 'meta.k8s.io' && (v === 'v1' || v === 'v1beta1')) {
      if (as === 'Table') return { kind: 'table', version: v };
      if (as === 'PartialObjectMetadata') return { kind: 'partial', version: v, list: false };
      if (as === 'PartialObjectMetadataList') return { kind: 'partial', version: v, list: true };
    }
    if (allow.discovery && g === 'apidiscovery.k8s.io' && as === 'APIGroupDiscoveryList' && (v === 'v2' || v === 'v2beta1')) {
      return { kind: 'discovery', version: v };
    }
  }
  // Nothing matched exactly: JSON is what every Kubernetes client can read.
  return { kind: 'json' };
}

/**
 * Whether the client accepts the object itself (JSON, YAML, protobuf): what kinds that have no
 * Table or metadata form (the reviews) need; Kubernetes answers 406 otherwise.
 */
export function acceptsPlainObject(header: string | undefined): boolean {
  const ranges = parseAccept(header);
  return ranges.length === 0 || ranges.some((r) => r.q > 0 && r.params['as'] === undefined && JSONISH.has(r.type));
}
