// The resources this API server serves: the built-in table (src/api/resources.ts) plus the
// custom resources of established CustomResourceDefinitions, which come and go at run time.
// Routing, discovery, the registries and OpenAPI ask here; the CRD controller writes the custom
// set. A group/version is local (built-in), CRD-defined, or aggregated: an APIService sends it
// to an extension API server (the aggregator writes those, `setAggregated`); aggregated ones are
// never found for serving here, only listed in discovery with what their backend reported.
// Built-in lookups go straight to the built-in table's maps: the custom set is consulted only
// when those miss, so built-in requests pay nothing for it.
import type { GroupVersionKind } from '../../api/object.js';
import {
  compareVersions, findResource, findResourceByKind, groupVersions, resourcesAt, RESOURCES,
  type GroupVersions, type ResourceInfo,
} from '../../api/resources.js';

/** A group/version an extension API server serves (through an APIService with a service). */
export interface AggregatedVersion {
  group: string;
  version: string;
  groupPriorityMinimum: number;
  versionPriority: number;
  /** What the backend's discovery listed at its last successful check (discovery only, never routed). */
  resources: readonly ResourceInfo[];
}

/** Kubernetes gives CRD-defined groups this group priority. */
const CRD_GROUP_PRIORITY = 1000;

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
  /** Aggregated group/versions by `group/version`. */
  private readonly aggregatedGvs = new Map<string, AggregatedVersion>();

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

  /** Whether any group/version is aggregated (routing skips the path split when none is). */
  hasAggregated(): boolean {
    return this.aggregatedGvs.size > 0;
  }

  /** The extension API server's group/version, when an APIService with a service claims it. */
  aggregated(group: string, version: string): AggregatedVersion | undefined {
    return this.aggregatedGvs.size === 0 ? undefined : this.aggregatedGvs.get(`${group}/${version}`);
  }

  /** Starts (or, with `entry` undefined, stops) sending a group/version to an extension API server. */
  setAggregated(group: string, version: string, entry: AggregatedVersion | undefined): void {
    const key = `${group}/${version}`;
    const before = this.aggregatedGvs.get(key);
    if (before === entry) return;
    if (entry) this.aggregatedGvs.set(key, entry);
    else if (!this.aggregatedGvs.delete(key)) return;
    this.groups = undefined;
    for (const l of this.listeners) l({});
  }

  /** The resources served at one group/version, in discovery order. */
  resourcesAt(group: string, version: string): readonly ResourceInfo[] {
    const aggregated = this.aggregated(group, version);
    if (aggregated) return aggregated.resources;
    const builtIn = resourcesAt(group, version);
    if (this.byCrd.size === 0) return builtIn;
    const custom = this.custom()
      .filter((r) => r.group === group && servedVersions(r).includes(version))
      .sort((a, b) => (a.plural < b.plural ? -1 : a.plural > b.plural ? 1 : 0));
    return custom.length === 0 ? builtIn : [...builtIn, ...custom];
  }

  /**
   * Served groups, built-in ones first in their order, then custom and aggregated groups by
   * group priority, highest first, and by name on ties (Kubernetes gives CRD groups 1000; an
   * APIService says its own groupPriorityMinimum). Aggregated versions come by versionPriority.
   */
  groupVersions(): readonly GroupVersions[] {
    if (this.groups) return this.groups;
    const builtIn = groupVersions();
    const aggregatedByGroup = new Map<string, AggregatedVersion[]>();
    for (const a of this.aggregatedGvs.values()) aggregatedByGroup.set(a.group, [...(aggregatedByGroup.get(a.group) ?? []), a]);
    const versionsByGroup = new Map<string, Set<string>>();
    for (const r of this.byCrd.values()) {
      const set = versionsByGroup.get(r.group) ?? new Set<string>();
      for (const v of servedVersions(r)) set.add(v);
      versionsByGroup.set(r.group, set);
    }
    const aggregatedVersions = (group: string): string[] =>
      (aggregatedByGroup.get(group) ?? [])
        .sort((a, b) => b.versionPriority - a.versionPriority || compareVersions(a.version, b.version))
        .map((a) => a.version);
    const merged = builtIn.map((g) => {
      const extra = [...(versionsByGroup.get(g.group) ?? []), ...aggregatedVersions(g.group)];
      versionsByGroup.delete(g.group);
      aggregatedByGroup.delete(g.group);
      if (extra.length === 0) return g;
      const versions = [...new Set([...g.versions, ...extra])].sort(compareVersions);
      return { group: g.group, versions, preferredVersion: versions[0] ?? g.preferredVersion };
    });
    const extraGroups: { group: string; versions: string[]; priority: number }[] = [];
    for (const [group, set] of versionsByGroup) {
      const aggregated = aggregatedVersions(group);
      aggregatedByGroup.delete(group);
      extraGroups.push({ group, versions: [...new Set([...aggregated, ...[...set].sort(compareVersions)])], priority: CRD_GROUP_PRIORITY });
    }
    for (const [group, list] of aggregatedByGroup) {
      extraGroups.push({ group, versions: aggregatedVersions(group), priority: Math.max(...list.map((a) => a.groupPriorityMinimum)) });
    }
    const rest = extraGroups
      .sort((a, b) => b.priority - a.priority || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0))
      .map(({ group, versions }) => ({ group, versions, preferredVersion: versions[0] ?? 'v1' }));
    this.groups = [...merged, ...rest];
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
