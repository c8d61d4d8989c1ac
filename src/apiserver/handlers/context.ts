// What every handler may use: the registries, published schemas, authenticator, authorizer, settings.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registries } from '../registry/registries.js';
import type { UnknownFieldChecker } from '../http/unknown-fields.js';
import type { RequestUrl } from '../http/request-url.js';
import type { UserInfo } from '../authn/user.js';
import type { ServiceAccountTokens } from '../authn/service-account-tokens.js';
import type { TokenAuthenticator } from '../authn/token-authenticator.js';
import type { OpenApiService } from '../openapi/openapi.js';
import type { Authorizer } from '../authz/authorizer.js';
import type { KubeletClientOptions } from './kubelet-proxy.js';

export interface ServerTuning {
  /** Default watch timeout when the client gives none (Kubernetes: 30–60 min). */
  watchTimeoutMs: () => number;
  bookmarkIntervalMs: number;
  maxWatchBacklogBytes: number;
  maxBodyBytes: number;
}

export const DEFAULT_TUNING: ServerTuning = {
  watchTimeoutMs: () => (1800 + Math.floor(Math.random() * 1800)) * 1000,
  bookmarkIntervalMs: 60_000,
  maxWatchBacklogBytes: 64 * 1024 * 1024,
  maxBodyBytes: 3 * 1024 * 1024,
};

export interface ServerContext {
  registries: Registries;
  /** Decides what users may do; the access reviews ask it too. */
  authorizer: Authorizer;
  openapi: () => OpenApiService | undefined;
  fieldChecker: UnknownFieldChecker;
  serviceAccountTokens: ServiceAccountTokens;
  /** Resolves a bearer token (static or service account) to its user, for the given audiences. */
  authenticateToken: TokenAuthenticator;
  tuning: ServerTuning;
  kubelet: KubeletClientOptions;
  log: (line: string) => void;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: RequestUrl;
  user: UserInfo;
  server: ServerContext;
}
