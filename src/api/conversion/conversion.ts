// Versions of one resource: a resource is stored in one version (its `version` in the resource
// table) and may also be served at others (`alsoServedAt`). A converter turns an object of a
// served version into the stored version and back, as Kubernetes' conversion functions do,
// without losing what the other version cannot express (Kubernetes keeps that in annotations).
import type { KubeObject } from '../object.js';
import type { ResourceInfo } from '../resources.js';
import { customResourceConverter } from '../custom/custom-resource.js';
import { horizontalPodAutoscalerV1 } from './autoscaling-v1.js';

export interface VersionConverter {
  /** The served version's object (apiVersion of the served version) → the stored version's. */
  toStorage(obj: KubeObject): KubeObject;
  /** The stored version's object → the served version's. Works on partial objects (watch bookmarks). */
  fromStorage(obj: KubeObject): KubeObject;
}

const CONVERTERS: Readonly<Record<string, VersionConverter>> = {
  'autoscaling/horizontalpodautoscalers/v1': horizontalPodAutoscalerV1,
};

/**
 * The converter between `version` and the resource's stored version; undefined when `version`
 * is the stored one. A served version without a converter is a programming error.
 */
export function converterFor(resource: ResourceInfo, version: string): VersionConverter | undefined {
  if (version === resource.version) return undefined;
  if (resource.custom) return customResourceConverter(resource, version);
  const c = CONVERTERS[`${resource.group}/${resource.plural}/${version}`];
  if (!c) throw new Error(`no conversion of ${resource.plural}.${resource.group} between ${resource.version} and ${version}`);
  return c;
}
