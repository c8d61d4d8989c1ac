// The resource table: every built-in resource a kubectl user meets, with what discovery,
// routing, storage keys and short names need to know about it.
import type { GroupVersionKind } from './object.js';

export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

export interface SubresourceInfo {
  /** "status", "scale", "log", "exec", "attach", "portforward", "binding", "eviction", "proxy", "token". */
  name: string;
  /** The kind the subresource answers with (e.g. autoscaling/v1 Scale for "scale"). */
  kind: GroupVersionKind;
  verbs: readonly string[];
}

export interface ResourceInfo {
  group: string;
  /** Served version; the storage version too (one version per resource in k8ts). */
  version: string;
  kind: string;
  listKind: string;
  /** Lower-case plural, the URL segment: "pods". */
  plural: string;
  /** Lower-case singular: "pod". */
  singular: string;
  namespaced: boolean;
  verbs: readonly Verb[];
  shortNames: readonly string[];
  categories: readonly string[];
  subresources: readonly SubresourceInfo[];
  /** Other versions this resource is also served at (e.g. autoscaling v1 and v2). */
  alsoServedAt?: readonly string[];
  /** Create-only kinds (reviews, bindings, token requests): never stored. */
  virtual?: boolean;
}

/** Every built-in resource, in discovery order (core first). */
export const RESOURCES: readonly ResourceInfo[] = [];

/** The resource served at /api(s)/{group}/{version}/{plural}, if any. */
export function findResource(_group: string, _version: string, _plural: string): ResourceInfo | undefined {
  throw new Error('not implemented');
}

/** The resource storing objects of this kind (served at `version` or `alsoServedAt`). */
export function findResourceByKind(_gvk: GroupVersionKind): ResourceInfo | undefined {
  throw new Error('not implemented');
}
