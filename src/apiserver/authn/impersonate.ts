// Impersonation (`kubectl --as`, `--as-group`, `--as-uid`): the Impersonate-User,
// Impersonate-Group, Impersonate-Uid and Impersonate-Extra-<key> headers switch the request's
// user, when the authenticated user may `impersonate` each requested users/groups/
// serviceaccounts (core group), uids or userextras/<key> (authentication.k8s.io) object.
// Deviation: k8ts users carry no extra fields, so Impersonate-Extra-* values are authorized
// and then dropped.
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../../api/errors.js';
import type { ResourceAttributes } from '../authz/attributes.js';
import type { UserInfo } from './user.js';

const SA_PREFIX = 'system:serviceaccount:';
const EXTRA_PREFIX = 'impersonate-extra-';

/** Whether the request asks to act as someone else (cheap: the fast path checks this first). */
export function wantsImpersonation(req: IncomingMessage): boolean {
  const h = req.headers;
  if (h['impersonate-user'] !== undefined || h['impersonate-group'] !== undefined || h['impersonate-uid'] !== undefined) return true;
  for (const name in h) if (name.startsWith(EXTRA_PREFIX)) return true;
  return false;
}

function impersonateAttributes(resource: string, name: string, extra: { apiGroup?: string; namespace?: string; subresource?: string } = {}): ResourceAttributes {
  return {
    kind: 'resource',
    verb: 'impersonate',
    apiGroup: extra.apiGroup ?? '',
    apiVersion: '',
    resource,
    subresource: extra.subresource ?? '',
    namespace: extra.namespace ?? '',
    name,
  };
}

/**
 * The user the request acts as, after checking with `authorize` (which throws the 403) that
 * `requester` may impersonate each requested attribute.
 */
export function impersonate(req: IncomingMessage, requester: UserInfo, authorize: (user: UserInfo, a: ResourceAttributes) => void): UserInfo {
  const all = req.headersDistinct;
  const username = all['impersonate-user']?.[0] ?? '';
  const groups = all['impersonate-group'] ?? [];
  const uid = all['impersonate-uid']?.[0];
  const extras: [string, string[]][] = [];
  for (const [name, values] of Object.entries(all)) {
    if (name.startsWith(EXTRA_PREFIX) && values) extras.push([decodeURIComponent(name.slice(EXTRA_PREFIX.length)), values]);
  }
  if (!username) {
    throw ApiError.internal(`requested impersonation of ${[...groups.map((g) => `group ${g}`), ...(uid ? [`uid ${uid}`] : []), ...extras.map(([k]) => `extra ${k}`)].join(', ')} without impersonating a user`);
  }
  let newGroups: string[] = [];
  const account = splitServiceAccount(username);
  if (account) {
    const [namespace, name] = account;
    authorize(requester, impersonateAttributes('serviceaccounts', name, { namespace }));
    // A service account's groups follow from its name, unless groups are given.
    if (groups.length === 0) newGroups = ['system:serviceaccounts', `system:serviceaccounts:${namespace}`];
  } else {
    authorize(requester, impersonateAttributes('users', username));
  }
  for (const g of groups) {
    authorize(requester, impersonateAttributes('groups', g));
    newGroups.push(g);
  }
  for (const [key, values] of extras) {
    for (const v of values) authorize(requester, impersonateAttributes('userextras', v, { apiGroup: 'authentication.k8s.io', subresource: key }));
  }
  if (uid !== undefined) authorize(requester, impersonateAttributes('uids', uid, { apiGroup: 'authentication.k8s.io' }));
  if (username === 'system:anonymous') {
    if (!newGroups.includes('system:unauthenticated')) newGroups.push('system:unauthenticated');
  } else if (!newGroups.includes('system:authenticated') && !newGroups.includes('system:unauthenticated')) {
    newGroups.push('system:authenticated');
  }
  return { username, groups: newGroups, ...(uid !== undefined ? { uid } : {}) };
}

/** [namespace, name] of a service account user name; undefined for any other user (as Kubernetes treats malformed ones). */
function splitServiceAccount(username: string): [string, string] | undefined {
  if (!username.startsWith(SA_PREFIX)) return undefined;
  const parts = username.slice(SA_PREFIX.length).split(':');
  const [namespace, name] = parts;
  return parts.length === 2 && namespace && name ? [namespace, name] : undefined;
}
