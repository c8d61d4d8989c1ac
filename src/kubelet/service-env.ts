// Service environment variables, as the kubelet sets them: for every Service with a cluster IP
// in the pod's namespace (when enableServiceLinks is true, the default), and always for the
// `kubernetes` Service of `default` unless the pod's namespace has its own Service of that name:
//   FOO_SERVICE_HOST, FOO_SERVICE_PORT, FOO_SERVICE_PORT_<PORTNAME>, and the Docker-link style
//   FOO_PORT, FOO_PORT_<port>_<PROTO>{,_PROTO,_PORT,_ADDR}.
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { KeyValue } from './runtime/runtime.js';

/** Where the kubelet reads Services from (an informer cache). */
export interface ServiceLister {
  hasSynced(): boolean;
  list(): Service[];
}

const MASTER_NAMESPACE = 'default';
const MASTER_SERVICES = new Set(['kubernetes']);

function hasClusterIp(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return ip !== undefined && ip !== '' && ip !== 'None';
}

/** The Services whose variables a pod gets, by name. */
export function servicesForPod(pod: Pod, services: readonly Service[]): Service[] {
  const ns = pod.metadata?.namespace ?? 'default';
  const links = pod.spec?.enableServiceLinks !== false;
  const byName = new Map<string, Service>();
  for (const svc of services) {
    if (!hasClusterIp(svc)) continue;
    const name = svc.metadata?.name ?? '';
    if (svc.metadata?.namespace === MASTER_NAMESPACE && MASTER_SERVICES.has(name)) {
      if (!byName.has(name)) byName.set(name, svc);
    } else if (svc.metadata?.namespace === ns && links) {
      byName.set(name, svc);
    }
  }
  return [...byName.keys()].sort().map((k) => byName.get(k) as Service);
}

function envName(s: string): string {
  return s.toUpperCase().replace(/-/g, '_');
}

export function serviceEnv(pod: Pod, services: readonly Service[]): KeyValue[] {
  const out: KeyValue[] = [];
  const add = (name: string, value: string): void => void out.push({ name, value });
  for (const svc of servicesForPod(pod, services)) {
    const name = envName(svc.metadata?.name ?? '');
    const ip = svc.spec?.clusterIP ?? '';
    const ports = svc.spec?.ports ?? [];
    add(`${name}_SERVICE_HOST`, ip);
    const first = ports[0];
    if (first) add(`${name}_SERVICE_PORT`, String(first.port));
    for (const p of ports) if (p.name) add(`${name}_SERVICE_PORT_${envName(p.name)}`, String(p.port));
    const host = ip.includes(':') ? `[${ip}]` : ip;
    ports.forEach((p, i) => {
      const proto = (p.protocol ?? 'TCP').toUpperCase();
      const url = `${proto.toLowerCase()}://${host}:${p.port}`;
      const prefix = `${name}_PORT_${p.port}_${proto}`;
      if (i === 0) add(`${name}_PORT`, url);
      add(prefix, url);
      add(`${prefix}_PROTO`, proto.toLowerCase());
      add(`${prefix}_PORT`, String(p.port));
      add(`${prefix}_ADDR`, ip);
    });
  }
  return out;
}
