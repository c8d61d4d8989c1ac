// What a Service's Endpoints should hold, computed from the pods it selects (pure; no I/O).
// Follows Kubernetes v1.33's endpoints controller: which pods count, ready vs not-ready
// addresses, target ports resolved per pod, and subsets packed by identical port sets.
import type { EndpointAddress, EndpointPort, EndpointSubset, Pod, Service } from 'kubernetes-types/core/v1.js';
import { isPodReady } from '../shared/pod-state.js';
import { findPort, shouldPodBeInEndpoints } from '../shared/service-endpoints.js';

function podAddress(pod: Pod, service: Service): EndpointAddress {
  const address: EndpointAddress = {
    ip: pod.status?.podIP ?? pod.status?.podIPs?.[0]?.ip ?? '',
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
  };
  if (pod.spec?.nodeName) address.nodeName = pod.spec.nodeName;
  // Headless services give each pod a DNS name when the pod says it belongs to them.
  if (pod.spec?.hostname && pod.spec.subdomain === service.metadata?.name && service.metadata?.namespace === pod.metadata?.namespace) {
    address.hostname = pod.spec.hostname;
  }
  return address;
}

interface Entry {
  address: EndpointAddress;
  ready: boolean;
  ports: EndpointPort[];
}

export function desiredSubsets(service: Service, pods: readonly Pod[]): EndpointSubset[] {
  const publishNotReady = service.spec?.publishNotReadyAddresses === true;
  const headless = service.spec?.clusterIP === 'None';
  const servicePorts = service.spec?.ports ?? [];
  const entries: Entry[] = [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, { includeTerminating: publishNotReady })) continue;
    const ready = publishNotReady || isPodReady(pod);
    const address = podAddress(pod, service);
    if (servicePorts.length === 0) {
      // A headless service without ports still publishes its addresses.
      if (headless) entries.push({ address, ready, ports: [] });
      continue;
    }
    for (const sp of servicePorts) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      const ep: EndpointPort = { port, protocol: sp.protocol ?? 'TCP' };
      if (sp.name) ep.name = sp.name;
      if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
      entries.push({ address, ready, ports: [ep] });
    }
  }
  return packSubsets(entries);
}

/** Merges addresses that share the same port set into one subset; output is sorted and stable. */
function packSubsets(entries: readonly Entry[]): EndpointSubset[] {
  // First gather every port each address has, then group addresses by that port set.
  const byAddress = new Map<string, { address: EndpointAddress; ready: boolean; ports: Map<string, EndpointPort> }>();
  for (const e of entries) {
    const id = `${e.ready ? 'r' : 'n'}|${e.address.ip}|${e.address.targetRef?.uid ?? ''}`;
    let slot = byAddress.get(id);
    if (!slot) byAddress.set(id, (slot = { address: e.address, ready: e.ready, ports: new Map() }));
    for (const p of e.ports) slot.ports.set(portKey(p), p);
  }
  const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const slot of byAddress.values()) {
    const ports = [...slot.ports.values()].sort((a, b) => portKey(a).localeCompare(portKey(b)));
    const key = ports.map(portKey).join(',');
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { ports, ready: [], notReady: [] }));
    (slot.ready ? group.ready : group.notReady).push(slot.address);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, g]) => {
      const subset: EndpointSubset = {};
      if (g.ready.length) subset.addresses = g.ready.sort(compareAddresses);
      if (g.notReady.length) subset.notReadyAddresses = g.notReady.sort(compareAddresses);
      if (g.ports.length) subset.ports = g.ports;
      return subset;
    });
}

function portKey(p: EndpointPort): string {
  return `${p.name ?? ''}/${p.port}/${p.protocol ?? 'TCP'}`;
}

function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  return a.ip.localeCompare(b.ip, undefined, { numeric: true }) || (a.targetRef?.uid ?? '').localeCompare(b.targetRef?.uid ?? '');
}
