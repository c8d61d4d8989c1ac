// The resources this API server serves: the built-in table (src/api/resources.ts) plus the
// custom resources of established CustomResourceDefinitions, which come and go at run time.
// Routing, discovery, the registries and OpenAPI ask here; the CRD controller is the only writer.
// Built-in lookups go straight to the built-in table's maps: the custom set is consulted only
// when those miss, so built-in requests pay nothing for it.
import type { GroupVersionKind } from '../../api/object.js';
import {
  compareVersions, findResource, findResourceByKind, groupVersions, resourcesAt, RESOURCES,
  type GroupVersions, type ResourceInfo,
} from '../../api/resources.js';

export type CatalogListener = (change: { removed?: ResourceInfo; added?: ResourceInfo }) => void;

function servedVersions(r: ResourceInfo): readonly string[] {
  return r.alsoServedAt ? [r.version, ...r.alsoServedAt] : [r.version];
}

export class ResourceCatalog {
  /** Custom resources by the name of the CRD that defines them. */
  private readonly byCrd = new Map<string, ResourceInfo>();
  private byPath = new Map<string, ResourceInfo>();
  private byKind = new Map<string, ResourceInfo>();
  private groups: readonly GroupVersions[] | undefined;
  private readonly listeners = new Set<CatalogListener>();

  /** The resource served at /api(s)/{group}/{version}/{plural}. */
  find(group: string, version: string, plural: string): ResourceInfo | undefined {
    return findResource(group, version, plural) ?? (this.byCrd.size === 0 ? undefined : this.byPath.get(`${group}/${version}/${plural}`));
  }

  findByKind(gvk: GroupVersionKind): ResourceInfo | undefined {
    return findResourceByKind(gvk) ?? this.byKind.get(`${gvk.group}/${gvk.version}/${gvk.kind}`);
  }

  /** The custom resource a CRD defines, while it is served. */
  forCrd(crdName: string): ResourceInfo | undefined {
    return this.byCrd.get(crdName);
  }

  /** Built-in resources, then custom ones. */
  all(): readonly ResourceInfo[] {
    return this.byCrd.size === 0 ? RESOURCES : [...RESOURCES, ...this.custom()];
  }

  custom(): ResourceInfo[] {
    return [...this.byCrd.values()];
  }

  /** The resources served at one group/version, in discovery order. */
  resourcesAt(group: string, version: string): readonly ResourceInfo[] {
    const builtIn = resourcesAt(group, version);
    if (this.byCrd.size === 0) return builtIn;
    const custom = this.custom()
      .filter((r) => r.group === group && servedVersions(r).includes(version))
      .sort((a, b) => (a.plural < b.plural ? -1 : a.plural > b.plural ? 1 : 0));
    return custom.length === 0 ? builtIn : [...builtIn, ...custom];
  }

  /**
   * Served groups, built-in ones first in their order, then custom groups by name (Kubernetes
   * gives CRD groups the lowest group priority, 1000, and orders equal priorities by name).
   */
  groupVersions(): readonly GroupVersions[] {
    if (this.groups) return this.groups;
    const builtIn = groupVersions();
    const versionsByGroup = new Map<string, Set<string>>();
    for (const r of this.byCrd.values()) {
      const set = versionsByGroup.get(r.group) ?? new Set<string>();
      for (const v of servedVersions(r)) set.add(v);
      versionsByGroup.set(r.group, set);
    }
    const merged = builtIn.map((g) => {
      const extra = versionsByGroup.get(g.group);
      if (!extra) return g;
      versionsByGroup.delete(g.group);
      const versions = [...new Set([...g.versions, ...extra])].sort(compareVersions);
      return { group: g.group, versions, preferredVersion: versions[0] ?? g.preferredVersion };
    });
    const custom = [...versionsByGroup]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([group, set]) => {
        const versions = [...set].sort(compareVersions);
        return { group, versions, preferredVersion: versions[0] ?? 'v1' };
      });
    this.groups = [...merged, ...custom];
    return this.groups;
  }

  /** Serves (or, with `resource` undefined, stops serving) the custom resource of one CRD. */
  set(crdName: string, resource: ResourceInfo | undefined): void {
    const removed = this.byCrd.get(crdName);
    if (removed === resource) return;
    if (resource) this.byCrd.set(crdName, resource);
    else this.byCrd.delete(crdName);
    this.reindex();
    for (const l of this.listeners) l({ ...(removed ? { removed } : {}), ...(resource ? { added: resource } : {}) });
  }

  /** Called after every change of the custom set (discovery and OpenAPI drop their caches). */
  onChange(listener: CatalogListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private reindex(): void {
    const byPath = new Map<string, ResourceInfo>();
    const byKind = new Map<string, ResourceInfo>();
    for (const r of this.byCrd.values()) {
      for (const v of servedVersions(r)) {
        byPath.set(`${r.group}/${v}/${r.plural}`, r);
        byKind.set(`${r.group}/${v}/${r.kind}`, r);
      }
    }
    this.byPath = byPath;
    this.byKind = byKind;
    this.groups = undefined;
  }
}
