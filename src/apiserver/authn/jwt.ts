// JSON Web Signatures in compact form, signed with an RSA or ECDSA key, as Kubernetes signs
// service account tokens (go-jose): header {"alg","kid"} (no "typ"), RS256 for RSA keys and
// ES256/384/512 for ECDSA keys by curve. The key id is derived from the public key alone
// (SHA-256 of its PKIX DER, base64url without padding), so every API server holding the same
// key names it alike and relying parties can pick the key from a published key set.
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { isPlainObject } from '../../api/object.js';

export type JwsAlgorithm = 'RS256' | 'ES256' | 'ES384' | 'ES512';

export interface VerificationKey {
  publicKey: KeyObject;
  alg: JwsAlgorithm;
  kid: string;
}

export interface SigningKey extends VerificationKey {
  privateKey: KeyObject;
}

export interface DecodedJws {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** `<header>.<payload>` as received: what the signature covers. */
  signingInput: string;
  signature: Buffer;
}

const EC_ALGORITHMS: Readonly<Record<string, JwsAlgorithm>> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };
const HASHES: Readonly<Record<JwsAlgorithm, string>> = { RS256: 'sha256', ES256: 'sha256', ES384: 'sha384', ES512: 'sha512' };

/** Kubernetes' keyIDFromPublicKey: the key's PKIX (SubjectPublicKeyInfo) DER, hashed. */
export function keyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
}

/** The signing algorithm Kubernetes uses for a key; other key types are refused, as there. */
export function algorithmOf(publicKey: KeyObject): JwsAlgorithm {
  if (publicKey.asymmetricKeyType === 'rsa') return 'RS256';
  if (publicKey.asymmetricKeyType === 'ec') {
    const alg = EC_ALGORITHMS[publicKey.asymmetricKeyDetails?.namedCurve ?? ''];
    if (alg) return alg;
    throw new Error('unknown private key curve, must be 256, 384, or 521');
  }
  throw new Error(`unknown key type ${publicKey.asymmetricKeyType ?? '?'}, must be RSA or ECDSA`);
}

export function verificationKey(publicKey: KeyObject): VerificationKey {
  return { publicKey, alg: algorithmOf(publicKey), kid: keyId(publicKey) };
}

export function signingKey(privateKey: KeyObject): SigningKey {
  return { privateKey, ...verificationKey(createPublicKey(privateKey)) };
}

/** `claims` is the payload's JSON text, serialized by the caller in the order it wants. */
export function signJws(claimsJson: string, key: SigningKey): string {
  const input = `${b64(JSON.stringify({ alg: key.alg, kid: key.kid }))}.${b64(claimsJson)}`;
  const signature = sign(HASHES[key.alg], Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** The parts of a compact JWS with JSON header and claims, or undefined when it is not one. */
export function decodeJws(token: string): DecodedJws | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [head, body, sig] = parts as [string, string, string];
  const header = parseJson(head);
  const claims = parseJson(body);
  if (!header || !claims || !/^[A-Za-z0-9_-]*$/.test(sig)) return undefined;
  return { header, claims, signingInput: `${head}.${body}`, signature: Buffer.from(sig, 'base64url') };
}

/** Whether one of `keys` (of the header's algorithm; the header's kid first) signed the token. */
export function verifyJws(jws: DecodedJws, keys: readonly VerificationKey[]): boolean {
  const alg = jws.header['alg'];
  const kid = jws.header['kid'];
  const candidates = keys.filter((k) => k.alg === alg).sort((a, b) => Number(b.kid === kid) - Number(a.kid === kid));
  const data = Buffer.from(jws.signingInput);
  return candidates.some((k) => verify(HASHES[k.alg], data, { key: k.publicKey, dsaEncoding: 'ieee-p1363' }, jws.signature));
}

/** The public key as a JWK, members in the order go-jose writes them (use, kty, kid, crv, alg, x, y, n, e). */
export function publicJwk(key: VerificationKey): Record<string, string> {
  const jwk = key.publicKey.export({ format: 'jwk' });
  const out: Record<string, string> = { use: 'sig', kty: String(jwk.kty), kid: key.kid };
  if (jwk.crv) out['crv'] = jwk.crv;
  out['alg'] = key.alg;
  for (const member of ['x', 'y', 'n', 'e'] as const) {
    const v = jwk[member];
    if (v) out[member] = v;
  }
  return out;
}

function b64(text: string): string {
  return Buffer.from(text).toString('base64url');
}

function parseJson(part: string): Record<string, unknown> | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return isPlainObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
