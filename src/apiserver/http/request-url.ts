// The path and query of a request target. Kubernetes clients send plain targets
// (`/api/v1/namespaces/default/pods?watch=1`); those are split as they are, without a full URL
// parse per request. A target that URL parsing could change (dot segments, a backslash,
// characters it percent-encodes) still goes through URL, so both give the same path and query.

export interface RequestUrl {
  readonly pathname: string;
  /** The query with its `?`, or "" (as `URL.search`). */
  readonly search: string;
  readonly searchParams: URLSearchParams;
}

/** Characters URL parsing keeps as they are in a path and a query of an http URL. */
const PLAIN_TARGET = /^\/[\w\-.~!$&()*+,;=:@%/]*(?:\?[\w\-.~!$&()*+,;=:@%/?]*)?$/;
/** A `.` or `..` segment, also percent-encoded: URL parsing resolves these. */
const DOT_SEGMENT = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)/i;

export function requestUrl(target: string): RequestUrl {
  if (!PLAIN_TARGET.test(target)) return new URL(target, 'http://apiserver');
  const q = target.indexOf('?');
  const pathname = q < 0 ? target : target.slice(0, q);
  if (DOT_SEGMENT.test(pathname)) return new URL(target, 'http://apiserver');
  return new SplitTarget(pathname, q < 0 || q === target.length - 1 ? '' : target.slice(q));
}

class SplitTarget implements RequestUrl {
  private params: URLSearchParams | undefined;

  constructor(
    readonly pathname: string,
    readonly search: string,
  ) {}

  /** Parsed on first use; changes to it do not show in `search`. */
  get searchParams(): URLSearchParams {
    return (this.params ??= new URLSearchParams(this.search));
  }
}
