// Turning a key prefix into a half-open key range [prefix, prefixEnd(prefix)) for stores that
// compare keys as UTF-8 bytes (SQLite's BINARY collation, etcd). Code point order equals UTF-8
// byte order, so bumping the last code point bounds every key that starts with the prefix.
export function prefixEnd(prefix: string): string {
  const points = Array.from(prefix);
  const last = points.pop();
  if (last === undefined) throw new Error('prefixEnd needs a non-empty prefix');
  const code = last.codePointAt(0) as number;
  // U+10FFFF cannot be bumped; the prefix without it, bumped, is a (looser) upper bound that
  // callers still filter with startsWith. Keys like that do not occur in practice.
  if (code >= 0x10ffff) return prefixEnd(points.join('') || '/');
  // Skip the surrogate block, which is not a valid scalar value.
  const next = code === 0xd7ff ? 0xe000 : code + 1;
  return points.join('') + String.fromCodePoint(next);
}
