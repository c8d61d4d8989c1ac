// Registry mirrors, plain-HTTP registries, TLS and credentials of a node, from a file in k3s's
// registries.yaml format:
//   mirrors:  { "<registry host>": { endpoint: ["http://127.0.0.1:5000", …] } }   ("*" = any host)
//   configs:  { "<endpoint host>": { auth: {username, password, auth, identity_token},
//                                    tls: {ca_file, cert_file, key_file, insecure_skip_verify} } }
// rendered for containerd 1.6 as certs.d/<host>/hosts.toml files (endpoints, TLS) and CRI
// registry.configs auth entries in config.toml (credentials are looked up by endpoint host).
import { parse } from 'yaml';

export interface RegistryAuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  identityToken?: string;
}

export interface RegistryTlsConfig {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  insecureSkipVerify?: boolean;
}

export interface RegistriesConfig {
  mirrors: Record<string, { endpoints: string[] }>;
  configs: Record<string, { auth?: RegistryAuthConfig; tls?: RegistryTlsConfig }>;
}

export const EMPTY_REGISTRIES: RegistriesConfig = { mirrors: {}, configs: {} };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function field(o: Record<string, unknown>, key: string, where: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new Error(`${where}.${key} must be a string`);
  return v;
}

/** The string fields of `o` named by `names` (file key → property), leaving out absent ones. */
function stringFields<K extends string>(o: Record<string, unknown>, names: Readonly<Record<string, K>>, where: string): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const [key, prop] of Object.entries(names) as [string, K][]) {
    const v = field(o, key, where);
    if (v !== undefined) out[prop] = v;
  }
  return out;
}

/** Host (and port) of an endpoint URL; endpoints without a scheme are https, as in k3s. */
export function endpointUrl(endpoint: string): URL {
  const withScheme = /^[a-z]+:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`;
  const url = new URL(withScheme);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`registry endpoint ${endpoint}: only http and https`);
  return url;
}

/** Validates and normalises a registries.yaml text; throws with the offending path. */
export function parseRegistries(text: string, source = 'registries.yaml'): RegistriesConfig {
  const doc: unknown = parse(text) ?? {};
  if (!isObject(doc)) throw new Error(`${source}: expected a mapping with mirrors and configs`);
  const out: RegistriesConfig = { mirrors: {}, configs: {} };
  const mirrors = doc['mirrors'] ?? {};
  if (!isObject(mirrors)) throw new Error(`${source}: mirrors must be a mapping`);
  for (const [host, m] of Object.entries(mirrors)) {
    const where = `${source}: mirrors.${host}`;
    if (!isObject(m)) throw new Error(`${where} must be a mapping`);
    const endpoints = m['endpoint'] ?? [];
    if (!Array.isArray(endpoints) || !endpoints.every((e): e is string => typeof e === 'string')) throw new Error(`${where}.endpoint must be a list of URLs`);
    for (const e of endpoints) endpointUrl(e);
    out.mirrors[host] = { endpoints };
  }
  const configs = doc['configs'] ?? {};
  if (!isObject(configs)) throw new Error(`${source}: configs must be a mapping`);
  for (const [host, c] of Object.entries(configs)) {
    const where = `${source}: configs.${host}`;
    if (!isObject(c)) throw new Error(`${where} must be a mapping`);
    const entry: RegistriesConfig['configs'][string] = {};
    const auth = c['auth'];
    if (auth !== undefined && auth !== null) {
      if (!isObject(auth)) throw new Error(`${where}.auth must be a mapping`);
      entry.auth = stringFields(auth, { username: 'username', password: 'password', auth: 'auth', identity_token: 'identityToken' }, `${where}.auth`);
    }
    const tls = c['tls'];
    if (tls !== undefined && tls !== null) {
      if (!isObject(tls)) throw new Error(`${where}.tls must be a mapping`);
      const t: RegistryTlsConfig = stringFields(tls, { ca_file: 'caFile', cert_file: 'certFile', key_file: 'keyFile' }, `${where}.tls`);
      if ((t.certFile === undefined) !== (t.keyFile === undefined)) throw new Error(`${where}.tls: cert_file and key_file go together`);
      const skip = tls['insecure_skip_verify'];
      if (skip !== undefined && typeof skip !== 'boolean') throw new Error(`${where}.tls.insecure_skip_verify must be true or false`);
      if (skip !== undefined) t.insecureSkipVerify = skip;
      entry.tls = t;
    }
    out.configs[host] = entry;
  }
  return out;
}

/** The registries config with `mirror` (a plain-HTTP host:port) added for `hosts` it does not name. */
export function withDefaultMirror(config: RegistriesConfig, mirror: string | undefined, hosts: readonly string[]): RegistriesConfig {
  if (!mirror) return config;
  const mirrors = { ...config.mirrors };
  for (const h of hosts) mirrors[h] ??= { endpoints: [`http://${mirror}`] };
  return { ...config, mirrors };
}

/** Where a registry's own API answers when no mirror does (Docker Hub is special). */
function upstreamServer(host: string): string {
  return host === 'docker.io' ? 'https://registry-1.docker.io' : `https://${host}`;
}

const q = (s: string): string => JSON.stringify(s);

function tlsLines(tls: RegistryTlsConfig | undefined, indent: string): string[] {
  if (!tls) return [];
  const lines: string[] = [];
  if (tls.caFile) lines.push(`${indent}ca = ${q(tls.caFile)}`);
  if (tls.certFile && tls.keyFile) lines.push(`${indent}client = [[${q(tls.certFile)}, ${q(tls.keyFile)}]]`);
  if (tls.insecureSkipVerify) lines.push(`${indent}skip_verify = true`);
  return lines;
}

const HEADER = "# Generated by k8ts from the node's registry settings.";

function hostTable(url: string, tls: RegistryTlsConfig | undefined): string[] {
  return ['', `[host.${q(url)}]`, '  capabilities = ["pull", "resolve"]', ...tlsLines(tls, '  ')];
}

/**
 * certs.d directory name → hosts.toml text. A mirrored host lists its endpoints in order, each
 * with the TLS settings its own host has in `configs`; the upstream stays the fallback. A host
 * with only a `configs` entry gets its TLS settings on its own server. Every file has at least
 * one [host] table: containerd 1.6 refuses a hosts.toml without one ("invalid `host` tree").
 */
export function registryHostFiles(config: RegistriesConfig): Map<string, string> {
  const files = new Map<string, string>();
  for (const [host, m] of Object.entries(config.mirrors)) {
    const lines: string[] = [HEADER];
    const upstreamTls = config.configs[host]?.tls;
    // "*" (containerd's _default) applies to every host: each keeps its own upstream.
    if (host !== '*') lines.push(`server = ${q(upstreamServer(host))}`, ...tlsLines(upstreamTls, ''));
    for (const e of m.endpoints) {
      const url = endpointUrl(e);
      lines.push(...hostTable(`${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`, config.configs[url.host]?.tls));
    }
    if (m.endpoints.length === 0 && host !== '*') lines.push(...hostTable(upstreamServer(host), upstreamTls));
    if (m.endpoints.length > 0 || host !== '*') files.set(host === '*' ? '_default' : host, `${lines.join('\n')}\n`);
  }
  for (const [host, c] of Object.entries(config.configs)) {
    if (files.has(host) || !c.tls) continue;
    const server = upstreamServer(host);
    files.set(host, `${[HEADER, `server = ${q(server)}`, ...tlsLines(c.tls, ''), ...hostTable(server, c.tls)].join('\n')}\n`);
  }
  return files;
}

/** CRI plugin registry.configs auth sections for config.toml (empty when no host has credentials). */
export function registryAuthToml(config: RegistriesConfig): string {
  const sections: string[] = [];
  for (const [host, c] of Object.entries(config.configs)) {
    const a = c.auth;
    if (!a) continue;
    const lines = [`  [plugins."io.containerd.grpc.v1.cri".registry.configs.${q(host)}.auth]`];
    if (a.username !== undefined) lines.push(`    username = ${q(a.username)}`);
    if (a.password !== undefined) lines.push(`    password = ${q(a.password)}`);
    if (a.auth !== undefined) lines.push(`    auth = ${q(a.auth)}`);
    if (a.identityToken !== undefined) lines.push(`    identitytoken = ${q(a.identityToken)}`);
    sections.push(lines.join('\n'));
  }
  return sections.length ? `${sections.join('\n')}\n` : '';
}
