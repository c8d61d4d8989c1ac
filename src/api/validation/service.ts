// Services (v1), as Kubernetes v1.33 validates them. Cluster IP allocation and node port
// allocation belong to the API server; this checks the values it is given.
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { FieldError } from '../errors.js';
import { list, PROTOCOLS, validatePortNumOrName } from './container.js';
import { duplicate, forbidden, invalid, notSupported, required } from './field.js';
import { GoLiteral } from './gosyntax.js';
import { isCIDR, isDNS1123Label, isDNS1123Subdomain, isIP, isValidPortNum } from './names.js';
import { validateLabels } from './objectmeta.js';

export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;
const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const IP_ERROR = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

function isHeadless(svc: Service): boolean {
  return svc.spec?.clusterIP === 'None';
}

/** How Go prints the (protocol, port) key of a duplicate service port. */
function servicePortKey(p: ServicePort): GoLiteral {
  return new GoLiteral(
    `core.ServicePort{Name:"", Protocol:${JSON.stringify(p.protocol ?? '')}, AppProtocol:(*string)(nil), Port:${p.port}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`,
    { protocol: p.protocol, port: p.port },
  );
}

export function validateService(svc: Service): FieldError[] {
  const spec = svc.spec;
  if (!spec) return [required('spec')];
  const errs: FieldError[] = [];
  const type = spec.type;
  const ports = list(spec.ports);
  if (ports.length === 0 && !isHeadless(svc) && type !== 'ExternalName') errs.push(required('spec.ports'));
  if (type === 'ExternalName') {
    if (list(spec.clusterIPs).length > 0 || (spec.clusterIP && spec.clusterIP !== ''))
      errs.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    if (list(spec.ipFamilies).length > 0) errs.push(forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
    if (spec.ipFamilyPolicy) errs.push(forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
    const cname = (spec.externalName ?? '').replace(/\.$/, '');
    if (!cname) errs.push(required('spec.externalName'));
    else for (const msg of isDNS1123Subdomain(cname)) errs.push(invalid('spec.externalName', cname, msg));
  }
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const pp = `spec.ports[${i}]`;
    if (ports.length > 1 && !p.name) errs.push(required(`${pp}.name`));
    else if (p.name) {
      for (const msg of isDNS1123Label(p.name)) errs.push(invalid(`${pp}.name`, p.name, msg));
      if (names.has(p.name)) errs.push(duplicate(`${pp}.name`, p.name));
      names.add(p.name);
    }
    for (const msg of isValidPortNum(p.port)) errs.push(invalid(`${pp}.port`, p.port, msg));
    if (!p.protocol) errs.push(required(`${pp}.protocol`));
    else if (!(PROTOCOLS as readonly string[]).includes(p.protocol)) errs.push(notSupported(`${pp}.protocol`, p.protocol, PROTOCOLS));
    if (p.targetPort !== undefined && p.targetPort !== 0) errs.push(...validatePortNumOrName(p.targetPort, `${pp}.targetPort`));
    if (p.nodePort) {
      if (type === 'ClusterIP' || type === undefined) errs.push(forbidden(`${pp}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
      else if (type === 'ExternalName') errs.push(forbidden(`${pp}.nodePort`, "may not be used when `type` is 'ExternalName'"));
      else if (p.nodePort < NODE_PORT_RANGE.min || p.nodePort > NODE_PORT_RANGE.max)
        errs.push(
          invalid(
            `${pp}.nodePort`,
            p.nodePort,
            `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`,
          ),
        );
    }
  });
  const seenPorts = new Set<string>();
  const seenNodePorts = new Set<string>();
  ports.forEach((p, i) => {
    const k = `${p.protocol}/${p.port}`;
    if (seenPorts.has(k)) errs.push(duplicate(`spec.ports[${i}]`, servicePortKey(p)));
    seenPorts.add(k);
    if (p.nodePort) {
      const nk = `${p.protocol}/${p.nodePort}`;
      if (seenNodePorts.has(nk)) errs.push(duplicate(`spec.ports[${i}].nodePort`, p.nodePort));
      seenNodePorts.add(nk);
    }
  });
  if (!type) errs.push(required('spec.type'));
  else if (!SERVICE_TYPES.includes(type)) errs.push(notSupported('spec.type', type, SERVICE_TYPES));
  const sa = spec.sessionAffinity;
  if (!sa) errs.push(required('spec.sessionAffinity'));
  else if (sa !== 'ClientIP' && sa !== 'None') errs.push(notSupported('spec.sessionAffinity', sa, ['ClientIP', 'None']));
  const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
  if (sa === 'ClientIP' && timeout !== undefined && (timeout <= 0 || timeout > 86400))
    errs.push(invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', timeout, 'must be greater than 0 and less than 86400'));
  errs.push(...validateLabels(spec.selector, 'spec.selector'));
  if (type !== 'ExternalName') errs.push(...validateClusterIPs(spec.clusterIP, list(spec.clusterIPs)));
  list(spec.externalIPs).forEach((ip, i) => {
    if (!isIP(ip)) errs.push(invalid(`spec.externalIPs[${i}]`, ip, IP_ERROR));
  });
  list(spec.loadBalancerSourceRanges).forEach((r, i) => {
    if (!isCIDR(r.trim()))
      errs.push(invalid(`spec.loadBalancerSourceRanges[${i}]`, r, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
  });
  const etp = spec.externalTrafficPolicy;
  if (type === 'NodePort' || type === 'LoadBalancer') {
    if (!etp) errs.push(required('spec.externalTrafficPolicy'));
    else if (etp !== 'Cluster' && etp !== 'Local') errs.push(notSupported('spec.externalTrafficPolicy', etp, ['Cluster', 'Local']));
  } else if (etp) {
    errs.push(invalid('spec.externalTrafficPolicy', etp, "may only be set when `type` is 'NodePort' or 'LoadBalancer'"));
  }
  const itp = spec.internalTrafficPolicy;
  if (type !== 'ExternalName') {
    if (!itp) errs.push(required('spec.internalTrafficPolicy'));
    else if (itp !== 'Cluster' && itp !== 'Local') errs.push(notSupported('spec.internalTrafficPolicy', itp, ['Cluster', 'Local']));
  }
  if (spec.ipFamilyPolicy && !['SingleStack', 'PreferDualStack', 'RequireDualStack'].includes(spec.ipFamilyPolicy))
    errs.push(notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, ['SingleStack', 'PreferDualStack', 'RequireDualStack']));
  list(spec.ipFamilies).forEach((f, i) => {
    if (f !== 'IPv4' && f !== 'IPv6') errs.push(notSupported(`spec.ipFamilies[${i}]`, f, ['IPv4', 'IPv6']));
  });
  return errs;
}

function validateClusterIPs(clusterIP: string | undefined, clusterIPs: string[]): FieldError[] {
  const errs: FieldError[] = [];
  if (clusterIP && clusterIPs.length > 0 && clusterIPs[0] !== clusterIP)
    errs.push(invalid('spec.clusterIPs', new GoLiteral(`[]string{${clusterIPs.map((s) => JSON.stringify(s)).join(', ')}}`, clusterIPs), 'first value must match `clusterIP`'));
  const ips = clusterIPs.length > 0 ? clusterIPs : clusterIP ? [clusterIP] : [];
  if (ips.length > 2) errs.push(invalid('spec.clusterIPs', ips, 'may only hold up to 2 values'));
  ips.forEach((ip, i) => {
    if (ip === 'None') {
      if (ips.length > 1) errs.push(invalid(`spec.clusterIPs[${i}]`, ip, "must be a valid IP address, or 'None' only when it is the only value"));
    } else if (!isIP(ip)) errs.push(invalid(`spec.clusterIPs[${i}]`, ip, IP_ERROR));
  });
  return errs;
}

export function validateServiceUpdate(svc: Service, old: Service): FieldError[] {
  const errs = validateService(svc);
  if (svc.spec?.type === 'ExternalName' || old.spec?.type === 'ExternalName') return errs;
  const now = list(svc.spec?.clusterIPs)[0] ?? svc.spec?.clusterIP;
  const before = list(old.spec?.clusterIPs)[0] ?? old.spec?.clusterIP;
  if (before && now && now !== before) errs.push(invalid('spec.clusterIPs[0]', now, 'may not change once set'));
  return errs;
}
