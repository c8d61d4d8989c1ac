// Who is asking, the way an aggregated API server learns it (Kubernetes' requestheader
// authenticator): the API server proxies each request over TLS with a client certificate signed
// by the request-header CA, and names the user in X-Remote-User / X-Remote-Uid /
// X-Remote-Group / X-Remote-Extra-<key> headers. Those headers are believed only on such a connection (and, when
// allowed names are set, only from a certificate with one of those common names); anything else
// is unauthenticated. k8ts deviates in not falling back to bearer tokens (TokenReview): the
// API server is this component's only client.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

export interface RequestHeaderOptions {
  /** Common names the proxy's certificate may have; empty or absent: any the CA signed. */
  allowedNames?: readonly string[];
  usernameHeaders?: readonly string[];
  uidHeaders?: readonly string[];
  groupHeaders?: readonly string[];
  extraHeaderPrefixes?: readonly string[];
}

export interface RemoteUser {
  username: string;
  uid?: string;
  groups: string[];
  extra: Record<string, string[]>;
}

const DEFAULTS = {
  usernameHeaders: ['X-Remote-User'],
  uidHeaders: ['X-Remote-Uid'],
  groupHeaders: ['X-Remote-Group'],
  extraHeaderPrefixes: ['X-Remote-Extra-'],
};

/** The user the trusted proxy names, or undefined when the request is not from it. */
export function authenticateRequestHeader(req: IncomingMessage, o: RequestHeaderOptions = {}): RemoteUser | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (!socket.encrypted || !socket.authorized || typeof socket.getPeerCertificate !== 'function') return undefined;
  const cn = socket.getPeerCertificate().subject?.CN;
  if (o.allowedNames?.length && !o.allowedNames.includes(typeof cn === 'string' ? cn : '')) return undefined;
  const username = (o.usernameHeaders ?? DEFAULTS.usernameHeaders).map((h) => headerValues(req, h)[0]).find((v) => v);
  if (!username) return undefined;
  const uid = (o.uidHeaders ?? DEFAULTS.uidHeaders).map((h) => headerValues(req, h)[0]).find((v) => v);
  const groups = (o.groupHeaders ?? DEFAULTS.groupHeaders).flatMap((h) => headerValues(req, h));
  const extra: Record<string, string[]> = {};
  for (const prefix of o.extraHeaderPrefixes ?? DEFAULTS.extraHeaderPrefixes) {
    const lower = prefix.toLowerCase();
    for (const [name, values] of Object.entries(req.headersDistinct)) {
      if (!name.startsWith(lower) || values === undefined) continue;
      // Extra keys are percent-encoded in the header name (Kubernetes' header key escaping).
      const key = decodeURIComponent(name.slice(lower.length));
      (extra[key] ??= []).push(...values);
    }
  }
  return { username, ...(uid ? { uid } : {}), groups, extra };
}

/** Every value of a header sent more than once (one X-Remote-Group per group), unjoined. */
function headerValues(req: IncomingMessage, name: string): string[] {
  return req.headersDistinct[name.toLowerCase()] ?? [];
}
