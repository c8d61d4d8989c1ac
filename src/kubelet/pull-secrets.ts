// imagePullSecrets → registry credentials for one image, the way Kubernetes' credential keyring
// matches them: each key of a docker config (kubernetes.io/dockerconfigjson `auths`, or the
// older kubernetes.io/dockercfg) names a registry host (a `*.` label glob allowed, the port
// must match) and optionally a path prefix; the image's registry and repository must match it.
// Matches come most specific first, and the kubelet tries each until a pull succeeds.
import type { Pod, Secret } from 'kubernetes-types/core/v1.js';
import type { ContainerRuntime, RegistryAuth } from './runtime/runtime.js';
import { normalizeImageName } from './runtime/image-ref.js';

interface DockerConfigEntry {
  username?: unknown;
  password?: unknown;
  auth?: unknown;
  identitytoken?: unknown;
}

export interface KeyringEntry {
  /** The key as written in the secret, e.g. "registry.example.com:5000" or "https://index.docker.io/v1/". */
  key: string;
  host: string;
  path: string;
  auth: RegistryAuth;
}

/** Registry keys that name Docker Hub. */
const DOCKER_HUB_ALIASES = new Set(['index.docker.io', 'registry-1.docker.io', 'docker.io']);

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** host (lower case, Docker Hub aliases folded into docker.io) and path of a registry key. */
export function parseRegistryKey(key: string): { host: string; path: string } | undefined {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(key) ? key : `https://${key}`;
  let url: URL;
  try {
    // A "*" in a host label is not a valid URL host; stand in for it while parsing.
    url = new URL(withScheme.replace(/\*/g, 'wildcard-label'));
  } catch {
    return undefined;
  }
  const host = url.host.toLowerCase().replace(/wildcard-label/g, '*');
  // A leading /v1/ or /v2/ names the registry API, not a repository ("https://index.docker.io/v1/").
  const path = url.pathname.replace(/^\/(v1|v2)(\/|$)/, '/').replace(/^\/+|\/+$/g, '');
  return { host: DOCKER_HUB_ALIASES.has(host) ? 'docker.io' : host, path };
}

function entryAuth(e: DockerConfigEntry): RegistryAuth | undefined {
  let username = str(e.username);
  let password = str(e.password);
  const auth = str(e.auth);
  if (auth && username === undefined && password === undefined) {
    const decoded = Buffer.from(auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
  }
  const identityToken = str(e.identitytoken);
  if (username === undefined && password === undefined && identityToken === undefined) return undefined;
  return {
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(identityToken !== undefined ? { identityToken } : {}),
    // No serverAddress, as the kubelet sends none: containerd then offers the credentials to
    // whichever endpoint (mirror or upstream) asks for them.
  };
}

/** The registry entries of a docker-registry Secret (none for other types or bad data). */
export function keyringEntries(secret: Secret): KeyringEntry[] {
  let config: unknown;
  try {
    if (secret.type === 'kubernetes.io/dockerconfigjson') {
      const raw = secret.data?.['.dockerconfigjson'];
      config = raw ? (JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as { auths?: unknown }).auths : undefined;
    } else if (secret.type === 'kubernetes.io/dockercfg') {
      const raw = secret.data?.['.dockercfg'];
      config = raw ? JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) : undefined;
    }
  } catch {
    return [];
  }
  if (typeof config !== 'object' || config === null) return [];
  const out: KeyringEntry[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (typeof value !== 'object' || value === null) continue;
    const where = parseRegistryKey(key);
    const auth = entryAuth(value as DockerConfigEntry);
    if (where && auth) out.push({ key, ...where, auth });
  }
  return out;
}

function hostMatches(pattern: string, host: string): boolean {
  const [pName = '', pPort = ''] = pattern.split(/:(?=\d+$)/);
  const [hName = '', hPort = ''] = host.split(/:(?=\d+$)/);
  if (pPort !== hPort) return false;
  const p = pName.split('.');
  const h = hName.split('.');
  return p.length === h.length && p.every((label, i) => label === '*' || label === h[i]);
}

/** The image's registry host and repository path ("docker.io", "library/busybox"). */
export function imageLocation(image: string): { host: string; path: string } {
  const full = normalizeImageName(image).replace(/@.*$/, '');
  const slash = full.indexOf('/');
  const repo = full.slice(slash + 1);
  const lastColon = repo.lastIndexOf(':');
  return { host: full.slice(0, slash).toLowerCase(), path: lastColon >= 0 ? repo.slice(0, lastColon) : repo };
}

/** Credentials for `image` from `secrets`, most specific key first; empty when none match. */
export function credentialsFor(image: string, secrets: Secret[]): RegistryAuth[] {
  const at = imageLocation(image);
  const matches = secrets
    .flatMap(keyringEntries)
    .filter((e) => hostMatches(e.host, at.host) && (e.path === '' || at.path === e.path || at.path.startsWith(`${e.path}/`)));
  // Longer keys are more specific (as the kubelet's keyring sorts them); stable otherwise.
  return matches
    .map((e, i) => ({ e, i }))
    .sort((a, b) => b.e.host.length + b.e.path.length - (a.e.host.length + a.e.path.length) || a.i - b.i)
    .map(({ e }) => e.auth);
}

/** Reads a Secret; undefined when it does not exist. */
export type SecretGetter = (namespace: string, name: string) => Promise<Secret | undefined>;

/** The pod's imagePullSecrets that exist (a missing one is skipped, as the kubelet does). */
export async function podPullSecrets(getSecret: SecretGetter, pod: Pod): Promise<Secret[]> {
  const ns = pod.metadata?.namespace ?? 'default';
  const names = (pod.spec?.imagePullSecrets ?? []).map((r) => r.name).filter((n): n is string => !!n);
  const found = await Promise.all(names.map((n) => getSecret(ns, n)));
  return found.filter((s): s is Secret => s !== undefined);
}

/**
 * Pulls `image` for `pod`: with each matching credential in turn until one succeeds (the last
 * failure is thrown), or without credentials when none match.
 */
export async function pullForPod(runtime: ContainerRuntime, getSecret: SecretGetter, pod: Pod, image: string): Promise<string> {
  const creds = credentialsFor(image, await podPullSecrets(getSecret, pod));
  if (creds.length === 0) return runtime.pullImage(image);
  let last: unknown;
  for (const auth of creds) {
    try {
      return await runtime.pullImage(image, auth);
    } catch (err) {
      last = err;
    }
  }
  throw last;
}
