// The node join token, in k3s' format: `K10<sha256 hex of the cluster CA PEM>::server:<secret>`.
// The hash pins the CA, so an agent can fetch the CA over an unverified connection and still
// know it reached the right cluster before it sends the secret anywhere; the secret is the
// bearer token of the bootstrap user (`system:k8ts:node-joiner`, group system:bootstrappers).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { pemBlocks, toPem } from '../pki/pem.js';

const PREFIX = 'K10';
const DEFAULT_USER = 'server';

export interface JoinToken {
  /** sha256 hex of the CA PEM; absent for a bare secret (the CA is then trusted as fetched). */
  caHash?: string;
  username: string;
  secret: string;
}

export class JoinTokenError extends Error {}

/**
 * The CA bundle as k8ts writes it: each CERTIFICATE block re-armoured with 64-character lines,
 * so line endings or wrapping of a copied file do not change the hash.
 */
export function canonicalCaPem(caPem: string): string {
  const certs = pemBlocksOf(caPem, 'CERTIFICATE');
  if (certs.length === 0) throw new JoinTokenError('no CERTIFICATE in the CA bundle');
  return certs.map((der) => toPem('CERTIFICATE', der)).join('');
}

/** The DER of each `label` block in a PEM text. */
export function pemBlocksOf(text: string, label: string): Buffer[] {
  return pemBlocks(text).filter((b) => b.label === label).map((b) => b.der);
}

export function caCertificateHash(caPem: string): string {
  return createHash('sha256').update(canonicalCaPem(caPem)).digest('hex');
}

export function formatJoinToken(caPem: string, secret: string): string {
  if (!/^[^\s:]+$/.test(secret)) throw new JoinTokenError('a join secret must be non-empty, without spaces or ":"');
  return `${PREFIX}${caCertificateHash(caPem)}::${DEFAULT_USER}:${secret}`;
}

/** Reads the full form or a bare secret (as older token files hold). */
export function parseJoinToken(text: string): JoinToken {
  const token = text.trim();
  if (!token.startsWith(PREFIX) || !token.includes('::')) {
    if (!/^[^\s:]+$/.test(token)) throw new JoinTokenError('malformed join token');
    return { username: DEFAULT_USER, secret: token };
  }
  const m = /^K10([0-9a-f]{64})::([^:\s]+):([^\s]+)$/i.exec(token);
  if (!m?.[1] || !m[2] || !m[3]) throw new JoinTokenError('malformed join token: expected K10<sha256 of the CA>::<user>:<secret>');
  return { caHash: m[1].toLowerCase(), username: m[2], secret: m[3] };
}

/** Whether `caPem` is the CA the token pins (always true for a bare secret). */
export function tokenMatchesCa(token: JoinToken, caPem: string): boolean {
  return token.caHash === undefined || caCertificateHash(caPem) === token.caHash;
}

/**
 * The server side: makes `<data-dir>/token` hold the full token for the current CA, keeping
 * the secret it already has (a bare secret is upgraded in place; a token for another CA, after
 * the CA was re-created, gets the new hash). Returns the token and its secret.
 */
export function ensureJoinTokenFile(path: string, caPem: string, newSecret: () => string): { token: string; secret: string } {
  const existing = existsSync(path) ? readFileSync(path, 'utf8').trim() : '';
  const secret = existing ? parseJoinToken(existing).secret : newSecret();
  const token = formatJoinToken(caPem, secret);
  if (existing !== token) writeFileSync(path, `${token}\n`, { mode: 0o600 });
  return { token, secret };
}
