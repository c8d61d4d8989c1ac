// Service account issuer discovery, as Kubernetes serves it: the OpenID Provider Configuration
// at /.well-known/openid-configuration and the JSON Web Key Set at /openid/v1/jwks, so that
// relying parties outside the cluster can verify service account tokens with the public keys
// alone. Both are pre-rendered, publicly cacheable for an hour, GET only. Kubernetes grants
// them to `system:serviceaccounts` (ClusterRole system:service-account-issuer-discovery), and
// so does k8ts' bootstrap policy (authz/bootstrap-policy.ts). The jwks_uri is the API server's
// external address, as Kubernetes builds it when --service-account-jwks-uri is not given; the
// endpoints are not served when the issuer is not an https URL (Kubernetes logs and skips them).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { methodNotAllowed, notFoundPath } from '../http/respond.js';
import { publicJwk } from '../authn/jwt.js';
import type { ServiceAccountTokens } from '../authn/service-account-tokens.js';

export const OPENID_CONFIGURATION_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/openid/v1/jwks';

const CACHE_CONTROL = 'public, max-age=3600';
const JWKS_TYPE = 'application/jwk-set+json';

export function isIssuerDiscoveryPath(pathname: string): boolean {
  return pathname === OPENID_CONFIGURATION_PATH || pathname === JWKS_PATH;
}

export class IssuerDiscovery {
  private rendered: { configuration: Buffer; keys: Buffer } | undefined;

  /** `externalAddress`: host:port clients reach this server at (known once it listens). */
  constructor(
    private readonly tokens: ServiceAccountTokens,
    private readonly externalAddress: () => string,
  ) {}

  serve(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    if (!servableIssuer(this.tokens.issuer)) throw notFoundPath();
    if (req.method !== 'GET') throw methodNotAllowed();
    this.rendered ??= this.render();
    const [body, type] = pathname === JWKS_PATH ? [this.rendered.keys, JWKS_TYPE] : [this.rendered.configuration, 'application/json'];
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, 'Cache-Control': CACHE_CONTROL });
    res.end(body);
  }

  private render(): { configuration: Buffer; keys: Buffer } {
    const keys = this.tokens.verificationKeys;
    const configuration = {
      issuer: this.tokens.issuer,
      jwks_uri: new URL(JWKS_PATH, `https://${this.externalAddress()}`).href,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [...new Set(keys.map((k) => k.alg))].sort(),
    };
    return {
      configuration: Buffer.from(JSON.stringify(configuration)),
      keys: Buffer.from(JSON.stringify({ keys: keys.map(publicJwk) })),
    };
  }
}

/** Kubernetes' checks on the issuer before it installs the endpoints (OIDC discovery rules). */
function servableIssuer(issuer: string): boolean {
  try {
    const u = new URL(issuer);
    return u.protocol === 'https:' && u.search === '' && u.hash === '';
  } catch {
    return false;
  }
}
