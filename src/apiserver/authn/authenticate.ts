// Request authentication: a client certificate signed by the client CA (CN = user, O = groups)
// or `Authorization: Bearer <token>` (static tokens, then service account tokens).
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { isHealthPath } from '../routing.js';
import type { MaybePromise } from './bound-objects.js';
import type { TokenAuthenticator } from './token-authenticator.js';
import type { UserInfo } from './user.js';
import { withAuthenticatedGroup } from './user.js';

/**
 * undefined means anonymous. Synchronous for certificates and static tokens; a service account
 * token whose objects are not in a running watch cache yet answers with a promise.
 */
export function authenticate(req: IncomingMessage, authenticateToken: TokenAuthenticator): MaybePromise<UserInfo | undefined> {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (!m?.[1]) return undefined;
    const result = authenticateToken(m[1]);
    const userOf = (r: Awaited<typeof result>): UserInfo | undefined => (r && 'user' in r ? withAuthenticatedGroup(r.user) : undefined);
    return result instanceof Promise ? result.then(userOf) : userOf(result);
  }
  const socket = req.socket as Partial<TLSSocket>;
  if (socket.encrypted && socket.authorized && typeof socket.getPeerCertificate === 'function') {
    const cert = socket.getPeerCertificate();
    const subject = cert.subject as unknown as Record<string, string | string[] | undefined> | undefined;
    const cn = subject?.['CN'];
    const username = Array.isArray(cn) ? cn[0] : cn;
    if (!username) return undefined;
    const o = subject?.['O'];
    const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
    return withAuthenticatedGroup({ username, groups });
  }
  return undefined;
}

/** Paths Kubernetes serves to unauthenticated clients by default. */
export function allowsAnonymous(pathname: string): boolean {
  return pathname === '/version' || isHealthPath(pathname);
}
