// File payloads for configMap, secret, downwardAPI and projected volumes, with Kubernetes'
// rules: all keys unless `items` are listed, modes from items/defaultMode (0644), a missing
// object or key fails the mount unless optional, and error texts as the kubelet words them.
import type { DownwardAPIVolumeFile, KeyToPath, Pod, ServiceAccountTokenProjection, Volume } from 'kubernetes-types/core/v1.js';
import type { NodeCapacity } from '../config.js';
import { podFieldValue, resourceFieldValue, type PodNetwork } from '../downward.js';
import type { ConfigObjects } from '../objects.js';
import type { FileProjection, Payload } from './atomic-writer.js';

export const DEFAULT_MODE = 0o644;

export class MountError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MountError';
  }
}

export interface ProjectionInputs {
  pod: Pod;
  objects: ConfigObjects;
  network: PodNetwork;
  node: NodeCapacity;
  /** Issues a service account token (TokenRequest) for projected volumes. */
  token(pod: Pod, source: ServiceAccountTokenProjection): Promise<string>;
}

function keyed(
  what: 'configmap' | 'secret',
  data: Map<string, Uint8Array>,
  items: KeyToPath[] | undefined,
  mode: number,
  optional: boolean,
  into: Payload,
): void {
  if (!items || items.length === 0) {
    for (const [k, v] of data) into.set(k, { data: v, mode });
    return;
  }
  for (const it of items) {
    const v = data.get(it.key);
    if (v === undefined) {
      if (optional) continue;
      throw new MountError(`${what === 'configmap' ? 'configmap' : 'secret'} references non-existent ${what === 'configmap' ? 'config' : 'secret'} key: ${it.key}`);
    }
    into.set(it.path, { data: v, mode: it.mode ?? mode });
  }
}

async function configMapInto(i: ProjectionInputs, name: string, items: KeyToPath[] | undefined, mode: number, optional: boolean, into: Payload): Promise<void> {
  const ns = i.pod.metadata?.namespace ?? 'default';
  const cm = await i.objects.get('configmaps', ns, name);
  if (!cm) {
    if (optional) return;
    throw new MountError(`configmap "${name}" not found`);
  }
  const data = new Map<string, Uint8Array>();
  for (const [k, v] of Object.entries(cm.data ?? {})) data.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) data.set(k, Buffer.from(v, 'base64'));
  keyed('configmap', data, items, mode, optional, into);
}

async function secretInto(i: ProjectionInputs, name: string, items: KeyToPath[] | undefined, mode: number, optional: boolean, into: Payload): Promise<void> {
  const ns = i.pod.metadata?.namespace ?? 'default';
  const s = await i.objects.get('secrets', ns, name);
  if (!s) {
    if (optional) return;
    throw new MountError(`secret "${name}" not found`);
  }
  const data = new Map<string, Uint8Array>();
  for (const [k, v] of Object.entries(s.data ?? {})) data.set(k, Buffer.from(v, 'base64'));
  for (const [k, v] of Object.entries(s.stringData ?? {})) data.set(k, Buffer.from(v, 'utf8'));
  keyed('secret', data, items, mode, optional, into);
}

function downwardInto(i: ProjectionInputs, items: DownwardAPIVolumeFile[] | undefined, mode: number, into: Payload): void {
  for (const it of items ?? []) {
    let r: { ok: true; value: string } | { ok: false; message: string } = { ok: true, value: '' };
    if (it.fieldRef) r = podFieldValue(i.pod, it.fieldRef.fieldPath, i.network);
    else if (it.resourceFieldRef) r = resourceFieldValue(i.pod, '', it.resourceFieldRef, i.node);
    if (!r.ok) throw new MountError(r.message);
    const f: FileProjection = { data: Buffer.from(r.value, 'utf8'), mode: it.mode ?? mode };
    into.set(it.path, f);
  }
}

/** The payload of a volume whose content the kubelet writes; undefined for other kinds. */
export async function volumePayload(i: ProjectionInputs, v: Volume): Promise<Payload | undefined> {
  const out: Payload = new Map();
  if (v.configMap) {
    await configMapInto(i, v.configMap.name ?? '', v.configMap.items, v.configMap.defaultMode ?? DEFAULT_MODE, v.configMap.optional === true, out);
    return out;
  }
  if (v.secret) {
    await secretInto(i, v.secret.secretName ?? '', v.secret.items, v.secret.defaultMode ?? DEFAULT_MODE, v.secret.optional === true, out);
    return out;
  }
  if (v.downwardAPI) {
    downwardInto(i, v.downwardAPI.items, v.downwardAPI.defaultMode ?? DEFAULT_MODE, out);
    return out;
  }
  if (v.projected) {
    const mode = v.projected.defaultMode ?? DEFAULT_MODE;
    for (const s of v.projected.sources ?? []) {
      if (s.configMap) await configMapInto(i, s.configMap.name ?? '', s.configMap.items, mode, s.configMap.optional === true, out);
      if (s.secret) await secretInto(i, s.secret.name ?? '', s.secret.items, mode, s.secret.optional === true, out);
      if (s.downwardAPI) downwardInto(i, s.downwardAPI.items, mode, out);
      if (s.serviceAccountToken) {
        // Tokens are 0600 unless the pod runs as one user and group (Kubernetes' rule, simplified).
        out.set(s.serviceAccountToken.path, { data: Buffer.from(await i.token(i.pod, s.serviceAccountToken), 'utf8'), mode: v.projected.defaultMode ?? 0o600 });
      }
    }
    return out;
  }
  return undefined;
}
