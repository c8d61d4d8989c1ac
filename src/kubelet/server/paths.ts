// The kubelet API paths the API server proxies to (as the real kubelet serves them):
//   /containerLogs/{ns}/{pod}/{container}
//   /exec/{ns}/{pod}[/{uid}]/{container}   /attach/{ns}/{pod}[/{uid}]/{container}
//   /portForward/{ns}/{pod}[/{uid}]

export type KubeletRoute =
  | { kind: 'healthz' }
  | { kind: 'pods' }
  | { kind: 'statsSummary' }
  | { kind: 'metrics' }
  | { kind: 'containerLogs'; namespace: string; pod: string; container: string }
  | { kind: 'exec' | 'attach'; namespace: string; pod: string; uid?: string; container: string }
  | { kind: 'portForward'; namespace: string; pod: string; uid?: string }
  | { kind: 'notFound' };

export function parseKubeletPath(pathname: string): KubeletRoute {
  const trimmed = pathname.replace(/\/+$/, '');
  if (trimmed === '/healthz') return { kind: 'healthz' };
  if (trimmed === '/pods') return { kind: 'pods' };
  if (trimmed === '/stats/summary') return { kind: 'statsSummary' };
  if (trimmed === '/metrics') return { kind: 'metrics' };
  let parts: string[];
  try {
    parts = trimmed.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return { kind: 'notFound' };
  }
  if (parts.some((p) => p === '')) return { kind: 'notFound' };
  const [head, namespace = '', pod = '', ...rest] = parts;
  switch (head) {
    case 'containerLogs':
      if (rest.length === 1 && rest[0]) return { kind: 'containerLogs', namespace, pod, container: rest[0] };
      break;
    case 'exec':
    case 'attach':
      if (rest.length === 1 && rest[0]) return { kind: head, namespace, pod, container: rest[0] };
      if (rest.length === 2 && rest[0] && rest[1]) return { kind: head, namespace, pod, uid: rest[0], container: rest[1] };
      break;
    case 'portForward':
      if (parts.length === 3) return { kind: 'portForward', namespace, pod };
      if (rest.length === 1 && rest[0]) return { kind: 'portForward', namespace, pod, uid: rest[0] };
      break;
  }
  return { kind: 'notFound' };
}

/** Query flags as both kubectl (`true`) and the API server's rewriting (`1`) send them. */
export function queryFlag(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  return v === 'true' || v === '1';
}
