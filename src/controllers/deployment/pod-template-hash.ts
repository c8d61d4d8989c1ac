// The pod-template-hash: what names a Deployment's ReplicaSets and keeps their pods apart.
// Kubernetes hashes the template with FNV-32a (then the collision count, 8 bytes little-endian)
// and spells the decimal digits of the hash in its safe alphabet (rand.SafeEncodeString). The
// bytes hashed here are the template's canonical JSON (sorted keys, zero values left out), so
// the values differ from Kubernetes' but are stable, and equal templates hash equally.
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { fnv32a, safeEncode } from '../history/hash.js';

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

export function computeHash(template: PodTemplateSpec | undefined, collisionCount: number | undefined): string {
  let hash = fnv32a(Buffer.from(canonicalJson(template ?? {}), 'utf8'));
  if (collisionCount !== undefined) {
    const bytes = Buffer.alloc(8);
    bytes.writeUInt32LE(collisionCount >>> 0, 0);
    hash = fnv32a(bytes, hash);
  }
  return safeEncode(String(hash));
}

/**
 * Kubernetes' EqualIgnoreHash: the templates are semantically equal once the pod-template-hash
 * label is dropped from both. That is how a Deployment recognises its current ReplicaSet, and
 * an old one to reuse after `kubectl rollout undo`.
 */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return canonicalJson(withoutHash(a)) === canonicalJson(withoutHash(b));
}

function withoutHash(t: PodTemplateSpec | undefined): unknown {
  if (!t?.metadata?.labels || !(POD_TEMPLATE_HASH_LABEL in t.metadata.labels)) return t ?? {};
  const { [POD_TEMPLATE_HASH_LABEL]: _hash, ...labels } = t.metadata.labels;
  return { ...t, metadata: { ...t.metadata, labels } };
}

/**
 * Sorted-key JSON without zero values (null, "", 0, false, empty lists and maps): Go's semantic
 * equality treats an absent field and its zero value, and nil and empty collections, alike.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(normalize(value) ?? null);
}

function normalize(value: unknown): unknown {
  if (value === null || value === undefined || value === '' || value === 0 || value === false) return undefined;
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map((v) => normalize(v) ?? null);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = normalize((value as Record<string, unknown>)[key]);
      if (v !== undefined) out[key] = v;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return value;
}
