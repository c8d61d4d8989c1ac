// The 403 Kubernetes answers when no authorizer allows a request: a Forbidden Status whose
// message names the user, verb and target, and whose details name the resource and object.
import { ApiError } from '../../api/errors.js';
import type { UserInfo } from '../authn/user.js';
import { combinedResource, type RequestAttributes } from './attributes.js';

/** "User "u" cannot list resource "pods" in API group "" in the namespace "default"", as Kubernetes words it. */
export function forbiddenMessage(user: UserInfo, a: RequestAttributes): string {
  const who = `User ${JSON.stringify(user.username)}`;
  if (a.kind === 'nonResource') return `${who} cannot ${a.verb} path ${JSON.stringify(a.path)}`;
  const what = `${who} cannot ${a.verb} resource ${JSON.stringify(combinedResource(a))} in API group ${JSON.stringify(a.apiGroup)}`;
  return a.namespace ? `${what} in the namespace ${JSON.stringify(a.namespace)}` : `${what} at the cluster scope`;
}

export function forbidden(user: UserInfo, a: RequestAttributes, reason: string): ApiError {
  const why = reason ? `${forbiddenMessage(user, a)}: ${reason}` : forbiddenMessage(user, a);
  if (a.kind === 'nonResource') return new ApiError('Forbidden', `forbidden: ${why}`, {});
  const qualified = a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
  const target = a.name ? `${qualified} ${JSON.stringify(a.name)}` : qualified;
  return new ApiError('Forbidden', `${target} is forbidden: ${why}`, {
    ...(a.name ? { name: a.name } : {}),
    ...(a.apiGroup ? { group: a.apiGroup } : {}),
    kind: a.resource,
  });
}
