// Service account tokens as Kubernetes' TokenRequest issues them and its JWT authenticator
// checks them: JWTs signed with the cluster's service account key (RS256 for RSA, ES256/384/512
// for ECDSA) that relying parties verify with the published key set (handlers/issuer-discovery.ts).
// Claims: iss, sub, aud, exp, iat, nbf, jti and `kubernetes.io` {namespace, serviceaccount, and
// the pod, secret or node the token is bound to, warnafter}. A token authenticates while it is
// within its lifetime (60 s leeway, as go-jose allows), names one of the requested audiences
// (the API server's by default, Kubernetes' --api-audiences), and its service account and
// bound object still exist with the uids it names.
// Deviation: only bound tokens; k8ts has no token controller filling legacy
// `kubernetes.io/service-account-token` Secrets, so legacy tokens are neither issued nor accepted.
import { generateKeyPairSync, randomUUID, type KeyObject, createPrivateKey } from 'node:crypto';
import { isPlainObject } from '../../api/object.js';
import { whenAll, type BoundObjectLookup, type MaybePromise, type ObjectState } from './bound-objects.js';
import { decodeJws, signingKey, signJws, verifyJws, type SigningKey, type VerificationKey } from './jwt.js';
import type { UserInfo } from './user.js';

export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** Kubernetes stretches a pod-bound token asked for exactly this long (the kubelet's default) to a year, warning after the asked time. */
export const WARN_ONLY_EXPIRATION_SECONDS = 3607;
export const EXTENDED_EXPIRATION_SECONDS = 365 * 24 * 3600;

/** go-jose's default leeway for exp/nbf/iat, also the grace Kubernetes gives objects being deleted. */
const LEEWAY_MS = 60_000;

export interface ObjectRef {
  name: string;
  uid: string;
}

export interface IssueRequest {
  namespace: string;
  serviceAccount: ObjectRef;
  audiences: readonly string[];
  expirationSeconds: number;
  nowMs: number;
  pod?: ObjectRef;
  secret?: ObjectRef;
  /** The node the token is bound to, or the node of the bound pod. */
  node?: ObjectRef;
  /** Seconds after which using the token is reported as stale (extended tokens). */
  warnAfterSeconds?: number;
}

/** How a bearer token authenticated: the user and the audiences it was accepted for; or why not. */
export type TokenAuthentication = { user: UserInfo; audiences: readonly string[] } | { error: string };

export interface ServiceAccountTokensOptions {
  /** PEM or key object (RSA or ECDSA private key). Omitted: an RSA key made on first use (tests). */
  signingKey?: string | KeyObject;
  /** --service-account-issuer; default https://kubernetes.default.svc.cluster.local. */
  issuer?: string;
  /** --api-audiences; default the issuer. */
  apiAudiences?: readonly string[];
}

export class ServiceAccountTokens {
  readonly issuer: string;
  readonly apiAudiences: readonly string[];
  private key: SigningKey | undefined;
  private readonly keySource: string | KeyObject | undefined;

  constructor(options: ServiceAccountTokensOptions = {}) {
    this.issuer = options.issuer ?? DEFAULT_ISSUER;
    this.apiAudiences = options.apiAudiences ?? [this.issuer];
    this.keySource = options.signingKey;
  }

  /** The keys tokens are verified with (and that discovery publishes). */
  get verificationKeys(): readonly VerificationKey[] {
    return [this.signing()];
  }

  issue(r: IssueRequest): { token: string; expiresAtMs: number } {
    const iat = Math.floor(r.nowMs / 1000);
    const exp = iat + r.expirationSeconds;
    // Members in alphabetical order at every level, as Kubernetes' tokens have them (go-jose
    // merges the claim sets through maps).
    const k8s: Record<string, unknown> = { namespace: r.namespace };
    if (r.node) k8s['node'] = ref(r.node);
    if (r.pod) k8s['pod'] = ref(r.pod);
    else if (r.secret) k8s['secret'] = ref(r.secret);
    k8s['serviceaccount'] = ref(r.serviceAccount);
    if (r.warnAfterSeconds) k8s['warnafter'] = iat + r.warnAfterSeconds;
    const claims = {
      aud: r.audiences,
      exp,
      iat,
      iss: this.issuer,
      jti: randomUUID(),
      'kubernetes.io': k8s,
      nbf: iat,
      sub: `system:serviceaccount:${r.namespace}:${r.serviceAccount.name}`,
    };
    return { token: signJws(JSON.stringify(claims), this.signing()), expiresAtMs: exp * 1000 };
  }

  /**
   * Authenticates a token for the `requested` audiences (default the API server's).
   * undefined: not a token of this issuer. Synchronous unless an object lookup has to wait.
   */
  authenticate(token: string, nowMs: number, objects: BoundObjectLookup, requested: readonly string[] = this.apiAudiences): MaybePromise<TokenAuthentication | undefined> {
    const jws = decodeJws(token);
    if (!jws || jws.claims['iss'] !== this.issuer) return undefined;
    if (!verifyJws(jws, this.verificationKeys)) return { error: 'go-jose/go-jose: error in cryptographic primitive' };
    const c = jws.claims;
    const aud = typeof c['aud'] === 'string' ? [c['aud']] : Array.isArray(c['aud']) ? c['aud'].filter((a): a is string => typeof a === 'string') : [];
    const tokenAudiences = aud.length > 0 ? aud : this.apiAudiences;
    const audiences = tokenAudiences.filter((a) => requested.includes(a));
    if (audiences.length === 0) {
      return { error: `token audiences ${goQuoted(tokenAudiences)} is invalid for the target audiences ${goQuoted(requested)}` };
    }
    const timeError = checkTimes(c, nowMs);
    if (timeError) return { error: timeError };
    const claims = privateClaims(c['kubernetes.io']);
    if (!claims) return { error: 'service account token claims could not be validated due to unexpected private claim' };
    const { namespace: ns, serviceaccount: sa, pod, secret, node } = claims;
    const lookups: MaybePromise<ObjectState | undefined>[] = [
      objects.serviceAccount(ns, sa.name),
      secret ? objects.secret(ns, secret.name) : undefined,
      pod ? objects.pod(ns, pod.name) : undefined,
      node && !pod ? objects.node(node.name) : undefined,
    ];
    return whenAll(lookups, ([saState, secretState, podState, nodeState]): TokenAuthentication => {
      const invalidIfDeletedBefore = nowMs - LEEWAY_MS;
      const deleted = (s: ObjectState): boolean => s.deletionTimestamp !== undefined && Date.parse(s.deletionTimestamp) < invalidIfDeletedBefore;
      if (!saState) return { error: `serviceaccount "${sa.name}" not found` };
      if (deleted(saState)) return { error: `service account ${ns}/${sa.name} has been deleted` };
      if (saState.uid !== sa.uid) return { error: `service account UID (${saState.uid}) does not match claim (${sa.uid})` };
      const bound: [string, ObjectRef | undefined, ObjectState | undefined][] = [
        ['secret', secret, secretState],
        ['pod', pod, podState],
        ['node', pod ? undefined : node, nodeState],
      ];
      for (const [kind, claimed, state] of bound) {
        if (!claimed) continue;
        if (!state || deleted(state)) return { error: 'service account token has been invalidated' };
        if (state.uid !== claimed.uid) return { error: `${kind} UID (${state.uid}) does not match service account ${kind} ref claim (${claimed.uid})` };
      }
      const extra: Record<string, string[]> = {};
      if (pod) {
        extra['authentication.kubernetes.io/pod-name'] = [pod.name];
        extra['authentication.kubernetes.io/pod-uid'] = [pod.uid];
      }
      if (typeof c['jti'] === 'string' && c['jti']) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${c['jti']}`];
      if (node) {
        extra['authentication.kubernetes.io/node-name'] = [node.name];
        if (node.uid) extra['authentication.kubernetes.io/node-uid'] = [node.uid];
      }
      const user: UserInfo = {
        username: `system:serviceaccount:${ns}:${sa.name}`,
        uid: sa.uid,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`],
        ...(Object.keys(extra).length > 0 ? { extra } : {}),
      };
      return { user, audiences };
    });
  }

  private signing(): SigningKey {
    if (!this.key) {
      const source = this.keySource ?? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      this.key = signingKey(typeof source === 'string' ? createPrivateKey(source) : source);
    }
    return this.key;
  }
}

function ref(r: ObjectRef): ObjectRef {
  return { name: r.name, uid: r.uid };
}

/** exp, nbf and iat against the clock with go-jose's leeway; Kubernetes' messages. */
function checkTimes(c: Record<string, unknown>, nowMs: number): string | undefined {
  const at = (name: string): number | undefined => (typeof c[name] === 'number' ? (c[name] as number) * 1000 : undefined);
  const exp = at('exp');
  const nbf = at('nbf');
  const iat = at('iat');
  if (nbf !== undefined && nowMs + LEEWAY_MS < nbf) return 'service account token is not valid yet';
  if (exp !== undefined && nowMs - LEEWAY_MS > exp) return 'service account token has expired';
  // go-jose's ErrIssuedInTheFuture, which Kubernetes reports opaquely.
  if (iat !== undefined && nowMs + LEEWAY_MS < iat) return 'service account token claims could not be validated due to unexpected validation error';
  return undefined;
}

interface PrivateClaims {
  namespace: string;
  serviceaccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
}

function privateClaims(v: unknown): PrivateClaims | undefined {
  if (!isPlainObject(v) || typeof v['namespace'] !== 'string' || !v['namespace']) return undefined;
  const serviceaccount = refClaim(v['serviceaccount']);
  if (!serviceaccount) return undefined;
  const out: PrivateClaims = { namespace: v['namespace'], serviceaccount };
  for (const kind of ['pod', 'secret', 'node'] as const) {
    if (v[kind] === undefined) continue;
    const r = refClaim(v[kind]);
    if (!r) return undefined;
    out[kind] = r;
  }
  return out;
}

function refClaim(v: unknown): ObjectRef | undefined {
  if (!isPlainObject(v) || typeof v['name'] !== 'string' || !v['name']) return undefined;
  return { name: v['name'], uid: typeof v['uid'] === 'string' ? v['uid'] : '' };
}

/** A string list as Go's %q prints it: ["a" "b"]. */
function goQuoted(list: readonly string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;
}
