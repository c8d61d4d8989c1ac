// Merging two toleration lists as Kubernetes' admission plugins do (pkg/util/tolerations): the
// result keeps each toleration once, and drops one another in the list already covers.
import type { Toleration } from 'kubernetes-types/core/v1.js';

/** Field-by-field equality, an absent field equal to its zero value (as Go compares structs). */
function sameToleration(a: Toleration, b: Toleration): boolean {
  return (
    (a.key ?? '') === (b.key ?? '') &&
    (a.operator ?? '') === (b.operator ?? '') &&
    (a.value ?? '') === (b.value ?? '') &&
    (a.effect ?? '') === (b.effect ?? '') &&
    a.tolerationSeconds === b.tolerationSeconds
  );
}

/** Whether `wide` tolerates every taint `t` tolerates. */
export function tolerationCovers(wide: Toleration, t: Toleration): boolean {
  if (sameToleration(wide, t)) return true;
  const wideKey = wide.key ?? '';
  // An empty key with Exists matches every key.
  if ((t.key ?? '') !== wideKey && (wideKey !== '' || wide.operator !== 'Exists')) return false;
  // An empty effect matches every effect.
  if ((t.effect ?? '') !== (wide.effect ?? '') && (wide.effect ?? '') !== '') return false;
  // A NoExecute toleration with a time limit covers only ones that leave no later.
  if (wide.effect === 'NoExecute' && wide.tolerationSeconds !== undefined) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds > wide.tolerationSeconds) return false;
  }
  switch (wide.operator ?? '') {
    case '':
    case 'Equal':
      // Kubernetes compares the narrower one's operator literally: an unset one is not "Equal" here.
      return t.operator === 'Equal' && (t.value ?? '') === (wide.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** `first` then `second`, without tolerations another one covers (the first of equal ones stays). */
export function mergeTolerations(first: readonly Toleration[], second: readonly Toleration[]): Toleration[] {
  const all = [...first, ...second];
  const merged: Toleration[] = [];
  all.forEach((t, i) => {
    if (merged.some((kept) => tolerationCovers(kept, t))) return;
    if (all.slice(i + 1).some((later) => !sameToleration(t, later) && tolerationCovers(later, t))) return;
    merged.push(t);
  });
  return merged;
}
