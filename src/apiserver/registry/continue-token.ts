// List continuation tokens, shaped like Kubernetes': base64 of
// `{"v":"meta.k8s.io/v1","rv":<revision of the first page>,"start":"<key after which to resume>"}`.
// `start` is relative to the list prefix so a token cannot reach outside the listed collection.
import { ApiError } from '../../api/errors.js';
import { isPlainObject } from '../../api/object.js';

export interface ContinueState {
  rv: number;
  /** Key (relative to the list prefix) of the last item returned. */
  start: string;
}

export function encodeContinue(state: ContinueState): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: state.rv, start: state.start })).toString('base64');
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
  return { rv, start };
}

/** 410 for a continue token whose revision storage has compacted away. */
export function continueExpired(): ApiError {
  return new ApiError(
    'Expired',
    'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
  );
}
