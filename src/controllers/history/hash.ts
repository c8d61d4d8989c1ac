// ControllerRevision names: `<parent>-<hash>`, where the hash is FNV-1a (32 bit) of the
// revision's data followed by the little-endian collision count, printed in decimal and then
// mapped onto Kubernetes' "safe" alphabet (no vowels, no look-alikes), as
// k8s.io/kubernetes/pkg/controller/history does it.

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_PREFIX = 223;

export function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The revision hash of `data` (its JSON) and `collisionCount`. */
export function hashRevision(data: unknown, collisionCount: number | undefined): string {
  let h = fnv32a(Buffer.from(JSON.stringify(data)));
  if (collisionCount !== undefined) {
    const buf = Buffer.alloc(4);
    buf.writeUInt32LE(collisionCount >>> 0);
    h = fnv32a(buf, h);
  }
  return safeEncode(String(h));
}

export function safeEncode(s: string): string {
  let out = '';
  for (const ch of s) out += SAFE_ALPHABET[ch.charCodeAt(0) % SAFE_ALPHABET.length] ?? '';
  return out;
}

export function revisionName(parentName: string, hash: string): string {
  return `${parentName.slice(0, MAX_PREFIX)}-${hash}`;
}
