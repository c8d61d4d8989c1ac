// Bearer tokens, as Kubernetes' union of token authenticators: the static tokens (admin, node
// join, internal components) and then service account tokens. Static tokens carry no
// audiences: like Kubernetes' audience-agnostic authenticators they are accepted for a request
// whose audiences include one of the API server's, and answer with those.
import type { BoundObjectLookup, MaybePromise } from './bound-objects.js';
import type { ServiceAccountTokens, TokenAuthentication } from './service-account-tokens.js';
import type { UserInfo } from './user.js';

/** undefined: no authenticator knows the token. Synchronous unless a lookup has to wait. */
export type TokenAuthenticator = (token: string, audiences?: readonly string[]) => MaybePromise<TokenAuthentication | undefined>;

export interface TokenAuthenticatorOptions {
  staticTokens: ReadonlyMap<string, UserInfo>;
  serviceAccountTokens: ServiceAccountTokens;
  objects: BoundObjectLookup;
  now: () => number;
}

export function tokenAuthenticator(o: TokenAuthenticatorOptions): TokenAuthenticator {
  const apiAudiences = o.serviceAccountTokens.apiAudiences;
  return (token, requested = apiAudiences) => {
    const user = o.staticTokens.get(token);
    if (user) {
      const audiences = apiAudiences.filter((a) => requested.includes(a));
      return audiences.length > 0 ? { user, audiences } : undefined;
    }
    return o.serviceAccountTokens.authenticate(token, o.now(), o.objects, requested);
  };
}
