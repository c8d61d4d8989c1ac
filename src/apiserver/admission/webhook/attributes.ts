// What one admission request is about, as Kubernetes' admission.Attributes: the operation,
// the resource and subresource as the client named them, the objects and who asks.
import type { GroupVersionKind, KubeObject } from '../../../api/object.js';
import type { ResourceInfo } from '../../../api/resources.js';
import type { UserInfo } from '../../authn/user.js';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

export interface Attributes {
  operation: Operation;
  resource: ResourceInfo;
  /** The version the client used (the URL's). */
  requestVersion: string;
  /** "" for the resource itself. */
  subresource: string;
  /** The object's namespace; for a namespace object its own name (as Kubernetes sets it); "" when cluster-scoped. */
  namespace: string;
  name: string;
  /**
   * The new object in the stored version (CREATE, UPDATE) or the connect options (CONNECT);
   * mutating webhooks change it in place.
   */
  object: KubeObject | undefined;
  /** The current object (UPDATE, DELETE); read-only. */
  oldObject: KubeObject | undefined;
  /** CreateOptions, UpdateOptions or DeleteOptions as sent to webhooks. */
  options: KubeObject | undefined;
  /** The kind of `object` when it is not the resource's own (connect options). */
  objectKind?: GroupVersionKind;
  dryRun: boolean;
  user: UserInfo;
  warnings: string[];
}

/** The resource as the client asked for it. */
export function requestResource(a: Attributes): GroupVersionResource {
  return { group: a.resource.group, version: a.requestVersion, resource: a.resource.plural };
}

/** The kind of the request's object at `version` (a subresource's own kind where it has one). */
export function kindAt(a: Attributes, version: string): GroupVersionKind {
  if (a.objectKind) return a.objectKind;
  const sub = a.subresource ? a.resource.subresources.find((s) => s.name === a.subresource) : undefined;
  // A subresource's kind in another group (Scale) does not follow the resource's version.
  if (sub && sub.kind.group !== a.resource.group) return sub.kind;
  return { group: a.resource.group, version, kind: sub?.kind.kind ?? a.resource.kind };
}
