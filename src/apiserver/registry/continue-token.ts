// List continuation tokens, shaped like Kubernetes': base64 of
// `{"v":"meta.k8s.io/v1","rv":<revision of the first page>,"start":"<key after which to resume>"}`.
// `start` is relative to the list prefix so a token cannot reach outside the listed collection.
// `n`, not in Kubernetes' tokens (which clients treat as opaque), counts the items returned so
// far, for the next page's remainingItemCount.
import { ApiError } from '../../api/errors.js';
import { isPlainObject } from '../../api/object.js';

export interface ContinueState {
  rv: number;
  /** Key (relative to the list prefix) of the last item returned. */
  start: string;
  /** Items returned by this and the earlier pages. */
  returned?: number;
}

export function encodeContinue(state: ContinueState): string {
  const n = state.returned !== undefined ? { n: state.returned } : {};
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: state.rv, start: state.start, ...n })).toString('base64');
}

export function decodeContinue(token: string): ContinueState {
  const invalid = (): ApiError => ApiError.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!isPlainObject(parsed) || parsed['v'] !== 'meta.k8s.io/v1') throw invalid();
  const rv = parsed['rv'];
  const start = parsed['start'];
  if (typeof rv !== 'number' || !Number.isInteger(rv) || rv < 0 || typeof start !== 'string') throw invalid();
  if (start.includes('..') || start.startsWith('/')) throw invalid();
  const n = parsed['n'];
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? { rv, start, returned: n } : { rv, start };
}

/** 410 for a continue token whose revision storage has compacted away. */
export function continueExpired(): ApiError {
  return new ApiError(
    'Expired',
    'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
  );
}
