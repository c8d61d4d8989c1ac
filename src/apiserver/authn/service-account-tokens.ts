// Service account tokens: JWTs (HS256) naming the service account, signed with a key the
// server holds. Clients treat them as opaque bearer tokens; the server verifies the signature
// and expiry and maps them to `system:serviceaccount:<ns>:<name>`.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isPlainObject } from '../../api/object.js';
import type { UserInfo } from './user.js';

export const ISSUER = 'https://kubernetes.default.svc.cluster.local';

export interface IssueRequest {
  namespace: string;
  name: string;
  uid: string;
  audiences: readonly string[];
  expirationSeconds: number;
  nowMs: number;
  boundObject?: { kind: string; name: string; uid: string };
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

export class ServiceAccountTokens {
  private readonly key: Buffer;

  constructor(key: Buffer = randomBytes(32)) {
    this.key = key;
  }

  issue(r: IssueRequest): { token: string; expiresAtMs: number } {
    const iat = Math.floor(r.nowMs / 1000);
    const exp = iat + r.expirationSeconds;
    const claims: Record<string, unknown> = {
      aud: r.audiences,
      exp,
      iat,
      nbf: iat,
      iss: ISSUER,
      sub: `system:serviceaccount:${r.namespace}:${r.name}`,
      'kubernetes.io': {
        namespace: r.namespace,
        serviceaccount: { name: r.name, uid: r.uid },
        ...(r.boundObject?.kind === 'Pod' ? { pod: { name: r.boundObject.name, uid: r.boundObject.uid } } : {}),
      },
    };
    const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const body = b64url(JSON.stringify(claims));
    const sig = this.sign(`${head}.${body}`);
    return { token: `${head}.${body}.${sig}`, expiresAtMs: exp * 1000 };
  }

  /** The user a valid, unexpired token stands for. */
  verify(token: string, nowMs: number): (UserInfo & { audiences: string[] }) | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [head, body, sig] = parts as [string, string, string];
    const expected = Buffer.from(this.sign(`${head}.${body}`));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (!isPlainObject(claims) || typeof claims['exp'] !== 'number' || claims['exp'] * 1000 <= nowMs) return undefined;
    const k = claims['kubernetes.io'];
    if (!isPlainObject(k) || typeof k['namespace'] !== 'string' || !isPlainObject(k['serviceaccount'])) return undefined;
    const sa = k['serviceaccount'];
    if (typeof sa['name'] !== 'string') return undefined;
    const ns = k['namespace'];
    const aud = Array.isArray(claims['aud']) ? claims['aud'].filter((a): a is string => typeof a === 'string') : [];
    return {
      username: `system:serviceaccount:${ns}:${sa['name']}`,
      uid: typeof sa['uid'] === 'string' ? sa['uid'] : undefined,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
      audiences: aud,
    };
  }

  private sign(input: string): string {
    return createHmac('sha256', this.key).update(input).digest('base64url');
  }
}
