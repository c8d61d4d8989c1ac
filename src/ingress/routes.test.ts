import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import { buildRouteTable, hostOf, isOurs, matchRoute, ourClasses, pathMatches, tlsFor } from './routes.js';

type Path = { path: string; pathType: 'Exact' | 'Prefix' | 'ImplementationSpecific'; svc: string };
function ingress(name: string, rules: { host?: string; paths: Path[] }[], extra: Partial<NonNullable<Ingress['spec']>> = {}, created = '2024-01-01T00:00:00Z'): Ingress {
  return {
    metadata: { name, namespace: 'default', creationTimestamp: created },
    spec: {
      ingressClassName: 'k8ts',
      rules: rules.map((r) => ({
        host: r.host,
        http: { paths: r.paths.map((p) => ({ path: p.path, pathType: p.pathType, backend: { service: { name: p.svc, port: { number: 80 } } } })) },
      })),
      ...extra,
    },
  };
}
const svcOf = (t: ReturnType<typeof buildRouteTable>, host: string, path: string): string | undefined => matchRoute(t, host, path)?.service;

test('Prefix matches whole path elements, ignoring a trailing slash; Exact the whole path', () => {
  const prefix = { path: '/foo/bar', pathType: 'Prefix' as const };
  assert.ok(pathMatches(prefix, '/foo/bar'));
  assert.ok(pathMatches(prefix, '/foo/bar/'));
  assert.ok(pathMatches(prefix, '/foo/bar/baz'));
  assert.ok(!pathMatches(prefix, '/foo/barbaz'));
  assert.ok(!pathMatches(prefix, '/foo'));
  assert.ok(pathMatches({ path: '/', pathType: 'Prefix' }, '/anything'));
  assert.ok(pathMatches({ path: '/foo', pathType: 'Exact' }, '/foo'));
  assert.ok(!pathMatches({ path: '/foo', pathType: 'Exact' }, '/foo/'));
  // A rule path "/foo/" is the prefix "/foo".
  const t = buildRouteTable([ingress('a', [{ paths: [{ path: '/foo/', pathType: 'Prefix', svc: 's' }] }])]);
  assert.equal(svcOf(t, 'x', '/foo'), 's');
  assert.equal(svcOf(t, 'x', '/foobar'), undefined);
});

test('the longest matching path wins, Exact over Prefix on a tie (the Ingress spec examples)', () => {
  const t = buildRouteTable([
    ingress('a', [
      {
        paths: [
          { path: '/', pathType: 'Prefix', svc: 'root' },
          { path: '/aaa', pathType: 'Prefix', svc: 'aaa' },
          { path: '/aaa/bbb', pathType: 'Prefix', svc: 'aaa-bbb' },
          { path: '/foo', pathType: 'Exact', svc: 'foo-exact' },
          { path: '/foo', pathType: 'Prefix', svc: 'foo-prefix' },
          { path: '/impl', pathType: 'ImplementationSpecific', svc: 'impl' },
        ],
      },
    ]),
  ]);
  assert.equal(svcOf(t, 'h', '/aaa/bbb'), 'aaa-bbb');
  assert.equal(svcOf(t, 'h', '/aaa/bbbxyz'), 'aaa');
  assert.equal(svcOf(t, 'h', '/aaa/ccc'), 'aaa');
  assert.equal(svcOf(t, 'h', '/foo'), 'foo-exact');
  assert.equal(svcOf(t, 'h', '/foo/x'), 'foo-prefix');
  assert.equal(svcOf(t, 'h', '/impl/x'), 'impl');
  assert.equal(svcOf(t, 'h', '/zzz'), 'root');
});

test('hosts: exact before wildcard (one label) before host-less rules, then the default backend', () => {
  const t = buildRouteTable([
    ingress('a', [
      { host: 'foo.bar.com', paths: [{ path: '/', pathType: 'Prefix', svc: 'exact' }] },
      { host: '*.bar.com', paths: [{ path: '/', pathType: 'Prefix', svc: 'wild' }] },
      { paths: [{ path: '/api', pathType: 'Prefix', svc: 'any' }] },
    ], { defaultBackend: { service: { name: 'fallback', port: { number: 80 } } } }),
  ]);
  assert.equal(svcOf(t, 'foo.bar.com', '/x'), 'exact');
  assert.equal(svcOf(t, 'baz.bar.com', '/x'), 'wild');
  assert.equal(svcOf(t, 'a.baz.bar.com', '/api'), 'any', 'a wildcard covers one label only');
  assert.equal(svcOf(t, 'bar.com', '/x'), 'fallback');
  assert.equal(hostOf('Foo.Bar.com:8443'), 'foo.bar.com');
});

test('the older Ingress keeps a host and path two Ingresses claim; rules merge across Ingresses', () => {
  const t = buildRouteTable([
    ingress('new', [{ host: 'h', paths: [{ path: '/a', pathType: 'Prefix', svc: 'new' }, { path: '/b', pathType: 'Prefix', svc: 'b' }] }], {}, '2024-02-01T00:00:00Z'),
    ingress('old', [{ host: 'h', paths: [{ path: '/a', pathType: 'Prefix', svc: 'old' }] }], {}, '2024-01-01T00:00:00Z'),
  ]);
  assert.equal(svcOf(t, 'h', '/a'), 'old');
  assert.equal(svcOf(t, 'h', '/b'), 'b');
});

test('class selection: by name, by our controller, or as the default class', () => {
  const classes: IngressClass[] = [{ metadata: { name: 'mine' }, spec: { controller: 'k8ts.io/ingress-controller' } }, { metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } }];
  const ours = ourClasses(classes);
  const named = (cls?: string): Ingress => ({ metadata: { name: 'x' }, spec: { ingressClassName: cls } });
  assert.ok(isOurs(named('k8ts'), ours));
  assert.ok(isOurs(named('mine'), ours));
  assert.ok(!isOurs(named('nginx'), ours));
  assert.ok(!isOurs(named(undefined), ours), 'no class and no default: not ours');
  const withDefault = ourClasses([{ metadata: { name: 'k8ts', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }, spec: { controller: 'k8ts.io/ingress-controller' } }]);
  assert.ok(isOurs(named(undefined), withDefault));
});

test('TLS: exact SNI name first, then a wildcard entry', () => {
  const t = buildRouteTable([
    ingress('a', [], { tls: [{ hosts: ['a.example.com'], secretName: 'a-tls' }, { hosts: ['*.example.com'], secretName: 'wild-tls' }] }),
  ]);
  assert.equal(tlsFor(t, 'A.example.com')?.secretName, 'a-tls');
  assert.equal(tlsFor(t, 'b.example.com')?.secretName, 'wild-tls');
  assert.equal(tlsFor(t, 'example.com'), undefined);
});
