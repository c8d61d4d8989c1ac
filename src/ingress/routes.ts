// Which Ingresses this controller serves, and the routing table they make (pure), following
// networking.k8s.io/v1 (Kubernetes v1.30):
// - class: spec.ingressClassName names one of ours; without one, the legacy annotation
//   kubernetes.io/ingress.class does, or else our class is the cluster default
//   (ingressclass.kubernetes.io/is-default-class: "true").
// - host: an exact host matches the Host header (port and case ignored); "*.example.com"
//   matches exactly one more leading label; a rule without host matches every host. A request
//   tries exact hosts first, then wildcards, then host-less rules — the first of these whose
//   paths match serves it — and falls back to the default backend.
// - paths: Exact compares the whole path; Prefix (and ImplementationSpecific, served as Prefix)
//   compares "/"-separated elements, ignoring a trailing "/". The longest matching path wins;
//   on equal length Exact beats Prefix. The same host+path in two Ingresses: the older wins.
import type { IngressClass, Ingress, IngressBackend } from 'kubernetes-types/networking/v1.js';

export const INGRESS_CLASS = 'k8ts';
export const CONTROLLER_NAME = 'k8ts.io/ingress-controller';
const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

export interface ServiceBackend {
  namespace: string;
  service: string;
  /** A port number or a port name of the service. */
  port: number | string;
}

export interface Route {
  pathType: 'Exact' | 'Prefix';
  path: string;
  backend: ServiceBackend;
  /** "namespace/name" of the Ingress it came from. */
  source: string;
}

export interface TlsEntry {
  host: string;
  namespace: string;
  secretName: string;
}

export interface RouteTable {
  exact: Map<string, Route[]>;
  wildcard: Map<string, Route[]>;
  anyHost: Route[];
  defaultBackend?: ServiceBackend;
  tls: TlsEntry[];
}

/** Our class names: "k8ts" and every IngressClass naming our controller; which one is the default. */
export function ourClasses(classes: readonly IngressClass[]): { names: Set<string>; isDefault: boolean } {
  const names = new Set([INGRESS_CLASS]);
  let isDefault = false;
  for (const c of classes) {
    const name = c.metadata?.name ?? '';
    if (name !== INGRESS_CLASS && c.spec?.controller !== CONTROLLER_NAME) continue;
    names.add(name);
    if (c.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true') isDefault = true;
  }
  return { names, isDefault };
}

export function isOurs(ing: Ingress, classes: { names: Set<string>; isDefault: boolean }): boolean {
  const name = ing.spec?.ingressClassName ?? ing.metadata?.annotations?.[LEGACY_CLASS_ANNOTATION];
  return name !== undefined ? classes.names.has(name) : classes.isDefault;
}

function backendOf(namespace: string, b: IngressBackend | undefined): ServiceBackend | undefined {
  const svc = b?.service;
  if (!svc?.name) return undefined;
  const port = svc.port?.number ?? svc.port?.name;
  if (port === undefined || port === '') return undefined;
  return { namespace, service: svc.name, port };
}

/** Normalizes a rule path: leading "/", no trailing "/" (except the root). */
function normalize(path: string): string {
  const p = path.startsWith('/') ? path : `/${path}`;
  return p.length > 1 ? p.replace(/\/+$/, '') || '/' : p;
}

export function buildRouteTable(ingresses: readonly Ingress[]): RouteTable {
  const table: RouteTable = { exact: new Map(), wildcard: new Map(), anyHost: [], tls: [] };
  const ordered = [...ingresses].sort((a, b) => {
    const ta = a.metadata?.creationTimestamp ?? '';
    const tb = b.metadata?.creationTimestamp ?? '';
    if (ta !== tb) return ta < tb ? -1 : 1;
    const ka = `${a.metadata?.namespace ?? ''}/${a.metadata?.name ?? ''}`;
    const kb = `${b.metadata?.namespace ?? ''}/${b.metadata?.name ?? ''}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  for (const ing of ordered) {
    const namespace = ing.metadata?.namespace ?? 'default';
    const source = `${namespace}/${ing.metadata?.name ?? ''}`;
    table.defaultBackend ??= backendOf(namespace, ing.spec?.defaultBackend);
    for (const t of ing.spec?.tls ?? []) {
      if (!t.secretName) continue;
      for (const host of t.hosts ?? []) table.tls.push({ host: host.toLowerCase(), namespace, secretName: t.secretName });
    }
    for (const rule of ing.spec?.rules ?? []) {
      const host = rule.host?.toLowerCase();
      const list = host === undefined || host === '' ? table.anyHost : host.startsWith('*.') ? getOrAdd(table.wildcard, host.slice(1)) : getOrAdd(table.exact, host);
      for (const p of rule.http?.paths ?? []) {
        const backend = backendOf(namespace, p.backend);
        if (!backend) continue;
        const pathType = p.pathType === 'Exact' ? 'Exact' : 'Prefix';
        const path = pathType === 'Exact' ? (p.path ?? '/') : normalize(p.path ?? '/');
        if (list.some((r) => r.path === path && r.pathType === pathType)) continue; // older Ingress keeps it
        list.push({ pathType, path, backend, source });
      }
    }
  }
  return table;
}

function getOrAdd(map: Map<string, Route[]>, key: string): Route[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}

/** The host of a Host header, lower-case, without port. */
export function hostOf(header: string | undefined): string {
  const h = (header ?? '').toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.indexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

export function pathMatches(route: Pick<Route, 'path' | 'pathType'>, requestPath: string): boolean {
  if (route.pathType === 'Exact') return requestPath === route.path;
  if (route.path === '/') return true;
  if (!requestPath.startsWith(route.path)) return false;
  const next = requestPath.charAt(route.path.length);
  return next === '' || next === '/';
}

function bestRoute(routes: readonly Route[] | undefined, path: string): Route | undefined {
  let best: Route | undefined;
  for (const r of routes ?? []) {
    if (!pathMatches(r, path)) continue;
    if (!best || r.path.length > best.path.length || (r.path.length === best.path.length && r.pathType === 'Exact' && best.pathType === 'Prefix')) best = r;
  }
  return best;
}

/** The backend for a request, or undefined (404). `path` is the URL path without query. */
export function matchRoute(table: RouteTable, host: string, path: string): ServiceBackend | undefined {
  const dot = host.indexOf('.');
  const wildcardKey = dot >= 0 ? host.slice(dot) : undefined;
  const route = bestRoute(table.exact.get(host), path) ?? (wildcardKey ? bestRoute(table.wildcard.get(wildcardKey), path) : undefined) ?? bestRoute(table.anyHost, path);
  return route?.backend ?? table.defaultBackend;
}

/** The TLS entry for an SNI name: exact host first, then a wildcard one label up. */
export function tlsFor(table: RouteTable, serverName: string): TlsEntry | undefined {
  const name = serverName.toLowerCase();
  const exact = table.tls.find((t) => t.host === name);
  if (exact) return exact;
  const dot = name.indexOf('.');
  return dot >= 0 ? table.tls.find((t) => t.host === `*${name.slice(dot)}`) : undefined;
}
