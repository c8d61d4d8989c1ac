// The front-proxy ("request header") identity an extension API server trusts, as Kubernetes'
// aggregator sends it: the caller's user in X-Remote-User, one X-Remote-Group per group, and
// each extra in X-Remote-Extra-<key> (key path-escaped), over a connection authenticated with
// the front-proxy client certificate. The caller's own credentials never go on, and identity
// headers a client sent itself are dropped so nobody can claim another user through us.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { UserInfo } from '../authn/user.js';
import { EXTRA_HEADER_PREFIX, GROUP_HEADER, UID_HEADER, USERNAME_HEADER } from '../../api/front-proxy.js';
import { HOP_BY_HOP } from '../handlers/proxy-forward.js';


/** What is not passed on to the backend: hop-by-hop headers, and Host (the backend's own is set). */
const NOT_FORWARDED: ReadonlySet<string> = new Set([...HOP_BY_HOP, 'host']);

function escapeExtraKey(key: string): string {
  // Go's url.PathEscape: every byte outside the unreserved set and the path's sub-delims.
  return encodeURIComponent(key).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function isIdentityHeader(name: string): boolean {
  return name === 'x-remote-user' || name === 'x-remote-group' || name === 'x-remote-uid' || name.startsWith('x-remote-extra-');
}

/**
 * The headers the backend gets. `keepUpgrade` keeps Connection/Upgrade for a relayed upgrade.
 */
export function backendHeaders(incoming: IncomingHttpHeaders, user: UserInfo, o: { keepUpgrade: boolean; clientAddress: string | undefined }): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || name === 'authorization' || name.startsWith('impersonate-') || isIdentityHeader(name)) continue;
    if (NOT_FORWARDED.has(name) && !(o.keepUpgrade && (name === 'connection' || name === 'upgrade'))) continue;
    out[name] = value;
  }
  out[USERNAME_HEADER] = user.username;
  if (user.uid) out[UID_HEADER] = user.uid;
  if (user.groups.length > 0) out[GROUP_HEADER] = [...user.groups];
  for (const [key, values] of Object.entries(user.extra ?? {})) out[`${EXTRA_HEADER_PREFIX}${escapeExtraKey(key)}`] = [...values];
  if (o.clientAddress) {
    const prior = incoming['x-forwarded-for'];
    out['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${o.clientAddress}` : o.clientAddress;
  }
  return out;
}
