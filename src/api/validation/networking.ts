// Networking kinds: Ingress, IngressClass, NetworkPolicy (networking.k8s.io/v1),
// EndpointSlice (discovery.k8s.io/v1) and Endpoints (v1).
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Endpoints } from 'kubernetes-types/core/v1.js';
import type { HTTPIngressPath, Ingress, IngressBackend, IngressClass, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from 'kubernetes-types/networking/v1.js';
import type { FieldError } from '../errors.js';
import { list, PROTOCOLS } from './container.js';
import { forbidden, IMMUTABLE, invalid, notSupported, required, tooMany } from './field.js';
import { GoLiteral } from './gosyntax.js';
import {
  isCIDR, isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isIP, isIPv4, isIPv6, isValidPortName,
  isValidPortNum, regexError,
} from './names.js';
import { validateLabelSelector } from './objectmeta.js';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const wildcardFmt = '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';

function validateHost(host: string, path: string): FieldError[] {
  if (isIP(host)) return [invalid(path, host, 'must be a DNS name, not an IP address')];
  if (host.startsWith('*')) {
    return new RegExp(`^${wildcardFmt}$`).test(host) && host.length <= 253
      ? []
      : [
          invalid(
            path,
            host,
            regexError(
              "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character",
              wildcardFmt,
              '*.example.com',
            ),
          ),
        ];
  }
  return isDNS1123Subdomain(host).map((m) => invalid(path, host, m));
}

function validateBackend(b: IngressBackend, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (b.service && b.resource) return [invalid(path, b, 'cannot set both resource and service backends')];
  if (!b.service && !b.resource) return [invalid(path, b, 'resource or service backend is required')];
  if (b.service) {
    const s = b.service;
    if (!s.name) errs.push(required(`${path}.service.name`));
    else for (const msg of isDNS1035Label(s.name)) errs.push(invalid(`${path}.service.name`, s.name, msg));
    const port = s.port;
    if (!port || (port.name === undefined && port.number === undefined)) errs.push(required(`${path}.service.port`, 'port name or number is required'));
    else if (port.name && port.number) errs.push(invalid(`${path}.service.port`, port, 'cannot set both port name & port number'));
    else if (port.name) for (const msg of isValidPortName(port.name)) errs.push(invalid(`${path}.service.port.name`, port.name, msg));
    else if (port.number !== undefined) for (const msg of isValidPortNum(port.number)) errs.push(invalid(`${path}.service.port.number`, port.number, msg));
  }
  if (b.resource) {
    if (!b.resource.kind) errs.push(required(`${path}.resource.kind`));
    if (!b.resource.name) errs.push(required(`${path}.resource.name`));
  }
  return errs;
}

function validateIngressPath(p: HTTPIngressPath, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!p.pathType) errs.push(required(`${path}.pathType`, 'pathType must be specified'));
  else if (!PATH_TYPES.includes(p.pathType)) errs.push(notSupported(`${path}.pathType`, p.pathType, PATH_TYPES));
  if ((p.pathType === 'Exact' || p.pathType === 'Prefix') && !(p.path ?? '').startsWith('/'))
    errs.push(invalid(`${path}.path`, p.path ?? '', 'must be an absolute path'));
  if (p.pathType === 'Exact' || p.pathType === 'Prefix') {
    if ((p.path ?? '').includes('//')) errs.push(invalid(`${path}.path`, p.path ?? '', "must not contain '//'"));
  }
  errs.push(...validateBackend(p.backend, `${path}.backend`));
  return errs;
}

export function validateIngress(ing: Ingress): FieldError[] {
  const spec = ing.spec;
  if (!spec) return [required('spec')];
  const errs: FieldError[] = [];
  const rules = list(spec.rules);
  if (rules.length === 0 && !spec.defaultBackend)
    errs.push(invalid('spec', new GoLiteral('[]networking.IngressRule(nil)', null), 'either `defaultBackend` or `rules` must be specified'));
  if (spec.defaultBackend) errs.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'));
  rules.forEach((r, i) => {
    const p = `spec.rules[${i}]`;
    if (r.host) errs.push(...validateHost(r.host, `${p}.host`));
    if (r.http) {
      const paths = list(r.http.paths);
      if (paths.length === 0) errs.push(required(`${p}.http.paths`));
      paths.forEach((hp, j) => errs.push(...validateIngressPath(hp, `${p}.http.paths[${j}]`)));
    }
  });
  list(spec.tls).forEach((t, i) => {
    list(t.hosts).forEach((h, j) => errs.push(...validateHost(h, `spec.tls[${i}].hosts[${j}]`)));
  });
  if (spec.ingressClassName)
    for (const msg of isDNS1123Subdomain(spec.ingressClassName)) errs.push(invalid('spec.ingressClassName', spec.ingressClassName, msg));
  return errs;
}

export function validateIngressClass(ic: IngressClass): FieldError[] {
  const c = ic.spec?.controller;
  if (!c) return [required('spec.controller')];
  if (c.length > 250) return [{ type: 'FieldValueTooLong', field: 'spec.controller', detail: 'must have at most 250 bytes' }];
  return [];
}

export function validateIngressClassUpdate(ic: IngressClass, old: IngressClass): FieldError[] {
  const errs = validateIngressClass(ic);
  if (ic.spec?.controller !== old.spec?.controller) errs.push(invalid('spec.controller', ic.spec?.controller ?? '', IMMUTABLE));
  return errs;
}

function validatePolicyPort(p: NetworkPolicyPort, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (p.protocol && !(PROTOCOLS as readonly string[]).includes(p.protocol)) errs.push(notSupported(`${path}.protocol`, p.protocol, PROTOCOLS));
  if (typeof p.port === 'number') {
    for (const msg of isValidPortNum(p.port)) errs.push(invalid(`${path}.port`, p.port, msg));
    if (p.endPort !== undefined) {
      if (p.endPort < p.port) errs.push(invalid(`${path}.endPort`, p.endPort, 'must be greater than or equal to `port`'));
      for (const msg of isValidPortNum(p.endPort)) errs.push(invalid(`${path}.endPort`, p.endPort, msg));
    }
  } else if (typeof p.port === 'string') {
    if (p.endPort !== undefined) errs.push(invalid(`${path}.endPort`, p.endPort, 'may not be specified when `port` is non-numeric'));
    for (const msg of isValidPortName(p.port)) errs.push(invalid(`${path}.port`, p.port, msg));
  } else if (p.endPort !== undefined) {
    errs.push(invalid(`${path}.endPort`, p.endPort, 'may not be specified when `port` is not specified'));
  }
  return errs;
}

function validatePeer(peer: NetworkPolicyPeer, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const selectors = (peer.podSelector ? 1 : 0) + (peer.namespaceSelector ? 1 : 0);
  if (peer.ipBlock) {
    if (selectors > 0) errs.push(forbidden(path, 'may not specify both ipBlock and another peer'));
    const cidr = peer.ipBlock.cidr;
    if (!cidr) errs.push(required(`${path}.ipBlock.cidr`));
    else if (!isCIDR(cidr)) errs.push(invalid(`${path}.ipBlock.cidr`, cidr, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
    list(peer.ipBlock.except).forEach((e, i) => {
      if (!isCIDR(e)) errs.push(invalid(`${path}.ipBlock.except[${i}]`, e, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
    });
  } else if (selectors === 0) {
    errs.push(required(path, 'must specify a peer'));
  }
  if (peer.podSelector) errs.push(...validateLabelSelector(peer.podSelector, `${path}.podSelector`));
  if (peer.namespaceSelector) errs.push(...validateLabelSelector(peer.namespaceSelector, `${path}.namespaceSelector`));
  return errs;
}

export function validateNetworkPolicy(np: NetworkPolicy): FieldError[] {
  const spec = np.spec;
  if (!spec) return [required('spec')];
  const errs = validateLabelSelector(spec.podSelector, 'spec.podSelector');
  list(spec.ingress).forEach((r, i) => {
    list(r.ports).forEach((p, j) => errs.push(...validatePolicyPort(p, `spec.ingress[${i}].ports[${j}]`)));
    list(r.from).forEach((p, j) => errs.push(...validatePeer(p, `spec.ingress[${i}].from[${j}]`)));
  });
  list(spec.egress).forEach((r, i) => {
    list(r.ports).forEach((p, j) => errs.push(...validatePolicyPort(p, `spec.egress[${i}].ports[${j}]`)));
    list(r.to).forEach((p, j) => errs.push(...validatePeer(p, `spec.egress[${i}].to[${j}]`)));
  });
  const types = list(spec.policyTypes);
  types.forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') errs.push(notSupported(`spec.policyTypes[${i}]`, t, ['Ingress', 'Egress']));
  });
  if (types.length > 2) errs.push(invalid('spec.policyTypes', types, 'may not specify more than two policyTypes'));
  return errs;
}

const ADDRESS_TYPES = ['IPv4', 'IPv6', 'FQDN'];
const MAX_ENDPOINTS = 1000;

export function validateEndpointSlice(es: EndpointSlice): FieldError[] {
  const errs: FieldError[] = [];
  const at = es.addressType;
  if (!at) errs.push(required('addressType'));
  else if (!ADDRESS_TYPES.includes(at)) errs.push(notSupported('addressType', at, ADDRESS_TYPES));
  const endpoints = list(es.endpoints);
  if (endpoints.length > MAX_ENDPOINTS) errs.push(tooMany('endpoints', endpoints.length, MAX_ENDPOINTS));
  endpoints.forEach((ep, i) => {
    const p = `endpoints[${i}]`;
    const addrs = list(ep.addresses);
    if (addrs.length === 0) errs.push(required(`${p}.addresses`, 'must contain at least 1 address'));
    else if (addrs.length > 100) errs.push(tooMany(`${p}.addresses`, addrs.length, 100));
    addrs.forEach((a, j) => {
      const ap = `${p}.addresses[${j}]`;
      if (at === 'IPv4' && !isIPv4(a)) errs.push(invalid(ap, a, 'must be a valid IPv4 address'));
      if (at === 'IPv6' && !isIPv6(a)) errs.push(invalid(ap, a, 'must be a valid IPv6 address'));
      if (at === 'FQDN') for (const msg of isDNS1123Subdomain(a)) errs.push(invalid(ap, a, msg));
    });
    if (ep.hostname) for (const msg of isDNS1123Label(ep.hostname)) errs.push(invalid(`${p}.hostname`, ep.hostname, msg));
    if (ep.nodeName) for (const msg of isDNS1123Subdomain(ep.nodeName)) errs.push(invalid(`${p}.nodeName`, ep.nodeName, msg));
  });
  const names = new Set<string>();
  list(es.ports).forEach((port, i) => {
    const p = `ports[${i}]`;
    const name = port.name ?? '';
    if (name) for (const msg of isDNS1123Label(name)) errs.push(invalid(`${p}.name`, name, msg));
    if (names.has(name)) errs.push({ type: 'FieldValueDuplicate', field: `${p}.name`, value: name });
    names.add(name);
    if (port.port !== undefined) for (const msg of isValidPortNum(port.port)) errs.push(invalid(`${p}.port`, port.port, msg));
    if (!port.protocol) errs.push(required(`${p}.protocol`));
    else if (!(PROTOCOLS as readonly string[]).includes(port.protocol)) errs.push(notSupported(`${p}.protocol`, port.protocol, PROTOCOLS));
  });
  return errs;
}

export function validateEndpointSliceUpdate(es: EndpointSlice, old: EndpointSlice): FieldError[] {
  const errs = validateEndpointSlice(es);
  if (es.addressType !== old.addressType) errs.push(invalid('addressType', es.addressType ?? '', IMMUTABLE));
  return errs;
}

export function validateEndpoints(ep: Endpoints): FieldError[] {
  const errs: FieldError[] = [];
  list(ep.subsets).forEach((s, i) => {
    const p = `subsets[${i}]`;
    for (const group of ['addresses', 'notReadyAddresses'] as const) {
      list(s[group]).forEach((a, j) => {
        if (!isIP(a.ip)) errs.push(invalid(`${p}.${group}[${j}].ip`, a.ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
      });
    }
    const ports = list(s.ports);
    ports.forEach((port, j) => {
      const pp = `${p}.ports[${j}]`;
      if (ports.length > 1 && !port.name) errs.push(required(`${pp}.name`));
      else if (port.name) for (const msg of isDNS1123Label(port.name)) errs.push(invalid(`${pp}.name`, port.name, msg));
      for (const msg of isValidPortNum(port.port)) errs.push(invalid(`${pp}.port`, port.port, msg));
      if (!port.protocol) errs.push(required(`${pp}.protocol`));
      else if (!(PROTOCOLS as readonly string[]).includes(port.protocol)) errs.push(notSupported(`${pp}.protocol`, port.protocol, PROTOCOLS));
    });
  });
  return errs;
}

