// Kubeconfig files: the admin one in the data dir, and merging a "k8ts" context into the
// user's own kubeconfig (as kind and minikube do) so plain `kubectl` just works.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';

export interface KubeconfigEntry {
  name: string;
  server: string;
  caCert: string;
  clientCert: string;
  clientKey: string;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

interface Named {
  name: string;
  [k: string]: unknown;
}

export function kubeconfigObject(e: KubeconfigEntry): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [{ name: e.name, cluster: { server: e.server, 'certificate-authority-data': b64(e.caCert) } }],
    users: [{ name: e.name, user: { 'client-certificate-data': b64(e.clientCert), 'client-key-data': b64(e.clientKey) } }],
    contexts: [{ name: e.name, context: { cluster: e.name, user: e.name, namespace: 'default' } }],
    'current-context': e.name,
  };
}

function writeAtomically(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  renameSync(tmp, path);
}

export function writeKubeconfig(path: string, e: KubeconfigEntry): void {
  writeAtomically(path, stringify(kubeconfigObject(e)));
}

/** The file kubectl reads by default: the first of $KUBECONFIG, else ~/.kube/config. */
export function defaultKubeconfigPath(): string {
  const env = process.env['KUBECONFIG'];
  const first = env?.split(':').find((p) => p.length > 0);
  return first ?? join(homedir(), '.kube', 'config');
}

function upsert(list: unknown, item: Named): Named[] {
  const items = Array.isArray(list) ? list.filter((x): x is Named => typeof x === 'object' && x !== null && 'name' in x) : [];
  return [...items.filter((x) => x.name !== item.name), item];
}

/** Adds or replaces the cluster, user and context named `e.name` and makes it current. */
export function mergeKubeconfig(path: string, e: KubeconfigEntry): void {
  let existing: Record<string, unknown> = {};
  if (existsSync(path)) {
    const parsed: unknown = parse(readFileSync(path, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null) existing = parsed as Record<string, unknown>;
  }
  const fresh = kubeconfigObject(e);
  const first = (k: string): Named => (fresh[k] as Named[])[0] as Named;
  const merged = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    ...existing,
    clusters: upsert(existing['clusters'], first('clusters')),
    users: upsert(existing['users'], first('users')),
    contexts: upsert(existing['contexts'], first('contexts')),
    'current-context': e.name,
  };
  writeAtomically(path, stringify(merged));
}
