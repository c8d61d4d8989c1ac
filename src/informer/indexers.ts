// Built-in index functions for the informer cache, and the names controllers look them up by.
import type { ObjectLike } from '../client/client.js';
import type { IndexFunc, Indexers } from './cache.js';

export const NAMESPACE_INDEX = 'namespace';
/** The uid of the owner reference marked `controller: true`. */
export const OWNER_UID_INDEX = 'ownerUid';
/** `spec.nodeName` of pods (unscheduled pods are not in this index). */
export const NODE_NAME_INDEX = 'nodeName';

export const byNamespace: IndexFunc<ObjectLike> = (obj) => {
  const ns = obj.metadata?.namespace;
  return ns ? [ns] : [];
};

export const byControllerOwnerUid: IndexFunc<ObjectLike> = (obj) => {
  const owner = obj.metadata?.ownerReferences?.find((r) => r.controller === true);
  return owner ? [owner.uid] : [];
};

export const byNodeName: IndexFunc<ObjectLike> = (obj) => {
  const spec = (obj as { spec?: { nodeName?: unknown } }).spec;
  return typeof spec?.nodeName === 'string' && spec.nodeName !== '' ? [spec.nodeName] : [];
};

/** Index name for `labelIndex(labelKey)`, e.g. `label:app`. */
export function labelIndexName(labelKey: string): string {
  return `label:${labelKey}`;
}

/** Files objects under the value of one label (objects without it are left out). */
export function labelIndex(labelKey: string): IndexFunc<ObjectLike> {
  return (obj) => {
    const v = obj.metadata?.labels?.[labelKey];
    return v === undefined ? [] : [v];
  };
}

/** Files objects under every `key=value` label pair they carry; look up with `labelPairValue`. */
export const LABEL_PAIRS_INDEX = 'labels';
export const byLabelPairs: IndexFunc<ObjectLike> = (obj) => Object.entries(obj.metadata?.labels ?? {}).map(([k, v]) => labelPairValue(k, v));
export function labelPairValue(key: string, value: string): string {
  return `${key}=${value}`;
}

/** The indexes every informer gets: namespace and controller owner; pods also by node. */
export function defaultIndexers(resource: { group: string; plural: string }): Indexers<ObjectLike> {
  const out: Record<string, IndexFunc<ObjectLike>> = { [NAMESPACE_INDEX]: byNamespace, [OWNER_UID_INDEX]: byControllerOwnerUid };
  if (resource.group === '' && resource.plural === 'pods') out[NODE_NAME_INDEX] = byNodeName;
  return out;
}
