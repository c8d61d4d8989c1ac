// Who is making a request, as Kubernetes' user.Info: the same for certificate, bearer-token
// and service-account-token users, and for in-process callers.

export interface UserInfo {
  username: string;
  uid?: string;
  groups: readonly string[];
  /** Kubernetes' user.Info Extra (service account tokens: pod, node and credential id). */
  extra?: Readonly<Record<string, readonly string[]>>;
}

export const ANONYMOUS: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };

/** The in-process identity of the API server itself (bootstrap writes). */
export const SYSTEM_APISERVER: UserInfo = { username: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] };

/** Authenticated users always carry `system:authenticated`, as Kubernetes adds it. */
export function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.groups.includes('system:authenticated')) return user;
  return { ...user, groups: [...user.groups, 'system:authenticated'] };
}
