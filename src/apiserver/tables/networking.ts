// Table layouts for networking.k8s.io/v1 and discovery.k8s.io/v1.
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressClass, NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import type { KubeObject } from '../../api/object.js';
import { age, formatLabelSelector, listWithMore, view } from './format.js';
import { AGE, NAME, column, layout, type TableLayout } from './layout.js';

const name = (o: KubeObject): string => o.metadata?.name ?? '';

/** Up to three rule hosts, "*" when no rule names one (formatHosts). */
export function ingressHosts(ing: Ingress): string {
  const rules = ing.spec?.rules ?? [];
  const list: string[] = [];
  let more = false;
  for (const rule of rules) {
    if (list.length === 3) more = true;
    if (!more && rule.host) list.push(rule.host);
  }
  if (list.length === 0) return '*';
  return more ? `${list.join(',')} + ${rules.length - 3} more...` : list.join(',');
}

const ingresses: TableLayout = layout(
  [
    NAME,
    column('Class', 'string', 'The name of the IngressClass resource that should be used for additional configuration'),
    column('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    column('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    column('Ports', 'string', 'Ports of TLS configurations that open'),
    AGE,
  ],
  (o, now) => {
    const ing = view<Ingress>(o);
    const addresses = new Set<string>();
    for (const i of ing.status?.loadBalancer?.ingress ?? []) {
      if (i.ip) addresses.add(i.ip);
      else if (i.hostname) addresses.add(i.hostname);
    }
    const ports = (ing.spec?.tls ?? []).length > 0 ? '80, 443' : '80';
    return [name(o), ing.spec?.ingressClassName ?? '<none>', ingressHosts(ing), [...addresses].sort().join(','), ports, age(o, now)];
  },
);

const ingressclasses: TableLayout = layout(
  [
    NAME,
    column('Controller', 'string', 'Controller that is responsible for handling this class'),
    column('Parameters', 'string', 'A reference to a resource with additional parameters'),
    AGE,
  ],
  (o, now) => {
    const ic = view<IngressClass>(o);
    const p = ic.spec?.parameters;
    const parameters = p ? `${p.kind}${p.apiGroup ? `.${p.apiGroup}` : ''}/${p.name}` : '<none>';
    return [name(o), ic.spec?.controller ?? '', parameters, age(o, now)];
  },
);

const networkpolicies: TableLayout = layout(
  [NAME, column('Pod-Selector', 'string', 'NetworkPolicySpec.podSelector'), AGE],
  (o, now) => [name(o), formatLabelSelector(view<NetworkPolicy>(o).spec?.podSelector ?? {}), age(o, now)],
);

const endpointslices: TableLayout = layout(
  [
    NAME,
    column('AddressType', 'string', 'EndpointSlice.addressType'),
    column('Ports', 'string', 'EndpointSlice.ports'),
    column('Endpoints', 'string', 'EndpointSlice.endpoints'),
    AGE,
  ],
  (o, now) => {
    const es = view<EndpointSlice>(o);
    const ports = (es.ports ?? []).map((p) => (p.port !== undefined && p.port !== null ? String(p.port) : (p.name ?? '*')));
    const addresses = (es.endpoints ?? []).flatMap((e) => e.addresses ?? []);
    return [name(o), es.addressType ?? '', listWithMore(ports, 3), listWithMore(addresses, 3), age(o, now)];
  },
);

export const NETWORKING_LAYOUTS: Readonly<Record<string, TableLayout>> = { ingresses, ingressclasses, networkpolicies };
export const DISCOVERY_LAYOUTS: Readonly<Record<string, TableLayout>> = { endpointslices };
