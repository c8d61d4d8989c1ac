// Reading a kubeconfig file as kubectl does for one context: the cluster's server and CA, the
// user's client certificate/key or token (inline `-data` or file paths relative to the file).
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import { isPlainObject } from '../api/object.js';
import type { HttpTransportOptions } from './http.js';

export interface KubeconfigSelection {
  /** Default: the file's current-context. */
  context?: string;
}

export interface LoadedKubeconfig {
  transport: HttpTransportOptions;
  /** The context's namespace ("default" when unset). */
  namespace: string;
}

type Entry = Record<string, unknown>;

export function loadKubeconfig(path: string, selection: KubeconfigSelection = {}): LoadedKubeconfig {
  const doc: unknown = parse(readFileSync(path, 'utf8'));
  if (!isPlainObject(doc)) throw new Error(`${path}: not a kubeconfig`);
  const contextName = selection.context ?? str(doc['current-context']);
  if (!contextName) throw new Error(`${path}: no context selected and no current-context`);
  const context = named(doc, 'contexts', 'context', contextName, path);
  const cluster = named(doc, 'clusters', 'cluster', str(context['cluster']) ?? '', path);
  const userName = str(context['user']);
  const user = userName ? named(doc, 'users', 'user', userName, path) : {};
  const server = str(cluster['server']);
  if (!server) throw new Error(`${path}: cluster of context "${contextName}" has no server`);
  const base = dirname(path);
  const transport: HttpTransportOptions = { server };
  const ca = pem(cluster, 'certificate-authority', base);
  if (ca) transport.ca = ca;
  if (cluster['insecure-skip-tls-verify'] === true) transport.insecureSkipTlsVerify = true;
  const cert = pem(user, 'client-certificate', base);
  const key = pem(user, 'client-key', base);
  if (cert) transport.cert = cert;
  if (key) transport.key = key;
  const tokenFile = str(user['tokenFile']);
  const token = str(user['token']) ?? (tokenFile ? readFileSync(resolvePath(base, tokenFile), 'utf8').trim() : undefined);
  if (token) transport.token = token;
  return { transport, namespace: str(context['namespace']) ?? 'default' };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** `{name, <field>: {...}}` entries of the top-level list `list`. */
function named(doc: Entry, list: string, field: string, name: string, path: string): Entry {
  const items = Array.isArray(doc[list]) ? (doc[list] as unknown[]) : [];
  for (const item of items) {
    if (isPlainObject(item) && item['name'] === name && isPlainObject(item[field])) return item[field];
  }
  throw new Error(`${path}: no ${field} named "${name}"`);
}

/** `<field>-data` (base64) wins over `<field>` (a file path). */
function pem(entry: Entry, field: string, base: string): Buffer | undefined {
  const data = str(entry[`${field}-data`]);
  if (data) return Buffer.from(data, 'base64');
  const file = str(entry[field]);
  return file ? readFileSync(resolvePath(base, file)) : undefined;
}

function resolvePath(base: string, p: string): string {
  return isAbsolute(p) ? p : resolve(base, p);
}
