// Discovery documents, built once from the served resources (until they change): legacy (/api, /apis, /api/v1,
// /apis/{g}, /apis/{g}/{v}) and aggregated (apidiscovery.k8s.io v2 and v2beta1). The
// aggregated answer's Content-Type echoes the negotiated media type, which kubectl requires.
import type { ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { groupVersions, resourcesAt, type GroupVersions, type ResourceInfo } from '../../api/resources.js';
import { formatApiVersion } from '../../api/object.js';
import { sendBytes } from '../http/respond.js';
import { negotiate } from '../http/negotiate.js';
import { notFoundPath } from '../http/respond.js';

const SERVER_ADDRESSES = [{ clientCIDR: '0.0.0.0/0', serverAddress: '' }];

function singular(r: ResourceInfo): string {
  return r.singular || r.kind.toLowerCase();
}

/** What discovery lists: the built-in table, or a catalog that adds custom resources. */
export interface DiscoverySource {
  groupVersions(): readonly GroupVersions[];
  resourcesAt(group: string, version: string): readonly ResourceInfo[];
}

const BUILT_IN: DiscoverySource = { groupVersions, resourcesAt };

function legacyResources(source: DiscoverySource, group: string, version: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const r of source.resourcesAt(group, version)) {
    const entry: Record<string, unknown> = {
      name: r.plural,
      singularName: singular(r),
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
    };
    if (r.shortNames.length > 0) entry['shortNames'] = r.shortNames;
    if (r.categories.length > 0) entry['categories'] = r.categories;
    out.push(entry);
    for (const s of r.subresources) {
      const sub: Record<string, unknown> = { name: `${r.plural}/${s.name}`, singularName: '', namespaced: r.namespaced, kind: s.kind.kind, verbs: s.verbs };
      if (s.kind.group !== group || s.kind.version !== version) {
        sub['group'] = s.kind.group;
        sub['version'] = s.kind.version;
      }
      out.push(sub);
    }
  }
  return out;
}

function aggregatedVersion(source: DiscoverySource, group: string, version: string): Record<string, unknown> {
  return {
    version,
    freshness: 'Current',
    resources: source.resourcesAt(group, version).map((r) => {
      const entry: Record<string, unknown> = {
        resource: r.plural,
        responseKind: { group: r.group, version, kind: r.kind },
        scope: r.namespaced ? 'Namespaced' : 'Cluster',
        singularResource: singular(r),
        verbs: r.verbs,
      };
      if (r.shortNames.length > 0) entry['shortNames'] = r.shortNames;
      if (r.categories.length > 0) entry['categories'] = r.categories;
      if (r.subresources.length > 0) {
        entry['subresources'] = r.subresources.map((s) => ({ subresource: s.name, responseKind: s.kind, verbs: s.verbs }));
      }
      return entry;
    }),
  };
}

interface Doc {
  body: Buffer;
  etag: string;
}

function doc(value: unknown): Doc {
  const body = Buffer.from(JSON.stringify(value));
  return { body, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"` };
}

export class Discovery {
  private readonly cache = new Map<string, Doc | undefined>();

  constructor(private readonly source: DiscoverySource = BUILT_IN) {}

  /** Forgets the built documents (the served resources changed). */
  invalidate(): void {
    this.cache.clear();
  }

  private memo(key: string, build: () => unknown): Doc | undefined {
    if (!this.cache.has(key)) {
      const v = build();
      this.cache.set(key, v === undefined ? undefined : doc(v));
    }
    return this.cache.get(key);
  }

  private groups() {
    return this.source.groupVersions();
  }

  /** GET /api and /apis, legacy or aggregated depending on Accept. */
  serveRoot(res: ServerResponse, accept: string | undefined, which: 'api' | 'apis'): void {
    const form = negotiate(accept, { discovery: true });
    if (form.kind === 'discovery') {
      const d = this.memo(`agg/${which}/${form.version}`, () => this.aggregated(which, form.version));
      if (!d) throw notFoundPath();
      res.setHeader('ETag', d.etag);
      res.setHeader('Vary', 'Accept');
      sendBytes(res, 200, d.body, `application/json;g=apidiscovery.k8s.io;v=${form.version};as=APIGroupDiscoveryList`);
      return;
    }
    const d =
      which === 'api'
        ? this.memo('api', () => ({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: SERVER_ADDRESSES }))
        : this.memo('apis', () => ({
            kind: 'APIGroupList',
            apiVersion: 'v1',
            groups: this.groups().filter((g) => g.group !== '').map((g) => this.groupObject(g.group)),
          }));
    if (!d) throw notFoundPath();
    res.setHeader('Vary', 'Accept');
    sendBytes(res, 200, d.body);
  }

  private groupObject(group: string): Record<string, unknown> | undefined {
    const g = this.groups().find((x) => x.group === group);
    if (!g) return undefined;
    const gv = (v: string) => ({ groupVersion: formatApiVersion(group, v), version: v });
    return { name: group, versions: g.versions.map(gv), preferredVersion: gv(g.preferredVersion) };
  }

  serveGroup(res: ServerResponse, group: string): void {
    const d = this.memo(`group/${group}`, () => {
      const g = this.groupObject(group);
      return g ? { kind: 'APIGroup', apiVersion: 'v1', ...g } : undefined;
    });
    if (!d) throw notFoundPath();
    sendBytes(res, 200, d.body);
  }

  serveResourceList(res: ServerResponse, group: string, version: string): void {
    const d = this.memo(`list/${group}/${version}`, () => {
      const g = this.groups().find((x) => x.group === group);
      if (!g || !g.versions.includes(version)) return undefined;
      return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: formatApiVersion(group, version), resources: legacyResources(this.source, group, version) };
    });
    if (!d) throw notFoundPath();
    sendBytes(res, 200, d.body);
  }

  private aggregated(which: 'api' | 'apis', version: 'v2' | 'v2beta1'): unknown {
    const groups = this.groups().filter((g) => (which === 'api' ? g.group === '' : g.group !== ''));
    return {
      kind: 'APIGroupDiscoveryList',
      apiVersion: `apidiscovery.k8s.io/${version}`,
      metadata: {},
      items: groups.map((g) => ({
        metadata: g.group === '' ? { creationTimestamp: null } : { name: g.group, creationTimestamp: null },
        versions: g.versions.map((v) => aggregatedVersion(this.source, g.group, v)),
      })),
    };
  }
}
