// Who is asking, the way an aggregated API server learns it (Kubernetes' requestheader
// authenticator): the API server proxies each request over TLS with a client certificate signed
// by the request-header CA, and names the user in X-Remote-User / X-Remote-Uid /
// X-Remote-Group / X-Remote-Extra-<key> headers. Those headers are believed only on such a connection (and, when
// allowed names are set, only from a certificate with one of those common names); anything else
// is unauthenticated. k8ts deviates in not falling back to bearer tokens (TokenReview): the
// API server is this component's only client.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { EXTRA_HEADER_PREFIX, GROUP_HEADER, UID_HEADER, USERNAME_HEADER } from '../api/front-proxy.js';

export interface RequestHeaderOptions {
  /** Common names the proxy's certificate may have; empty or absent: any the CA signed. */
  allowedNames?: readonly string[];
}

export interface RemoteUser {
  username: string;
  uid?: string;
  groups: string[];
  extra: Record<string, string[]>;
}

/** The user the trusted proxy names, or undefined when the request is not from it. */
export function authenticateRequestHeader(req: IncomingMessage, o: RequestHeaderOptions = {}): RemoteUser | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (!socket.encrypted || !socket.authorized || typeof socket.getPeerCertificate !== 'function') return undefined;
  const cn = socket.getPeerCertificate().subject?.CN;
  if (o.allowedNames?.length && !o.allowedNames.includes(typeof cn === 'string' ? cn : '')) return undefined;
  const username = headerValues(req, USERNAME_HEADER)[0];
  if (!username) return undefined;
  const uid = headerValues(req, UID_HEADER)[0];
  const groups = headerValues(req, GROUP_HEADER);
  const extra: Record<string, string[]> = {};
  const prefix = EXTRA_HEADER_PREFIX.toLowerCase();
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (!name.startsWith(prefix) || values === undefined) continue;
    // Extra keys are percent-encoded in the header name (Kubernetes' header key escaping).
    const key = decodeURIComponent(name.slice(prefix.length));
    (extra[key] ??= []).push(...values);
  }
  return { username, ...(uid ? { uid } : {}), groups, extra };
}

/** Every value of a header sent more than once (one X-Remote-Group per group), unjoined. */
function headerValues(req: IncomingMessage, name: string): string[] {
  return req.headersDistinct[name.toLowerCase()] ?? [];
}
