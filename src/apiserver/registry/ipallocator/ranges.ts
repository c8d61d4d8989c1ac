// The two ranges Services draw from: an IPv4 CIDR for cluster IPs (kube-apiserver's
// --service-cluster-ip-range) and a port range for node ports (--service-node-port-range).
import { isIPv4 } from 'node:net';

export interface IPv4Range {
  /** The CIDR as given, normalised ("10.43.0.0/16"). */
  cidr: string;
  /** First and last usable addresses as 32-bit numbers: the network and broadcast addresses are excluded. */
  first: number;
  last: number;
}

export interface PortRange {
  min: number;
  max: number;
  /** "30000-32767", as Kubernetes prints it in messages. */
  text: string;
}

export const DEFAULT_SERVICE_CIDR = '10.43.0.0/16';
export const DEFAULT_NODE_PORT_RANGE = '30000-32767';

export function ipToNumber(ip: string): number | undefined {
  if (!isIPv4(ip)) return undefined;
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

export function numberToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Throws on anything but an IPv4 CIDR with a prefix of /8 to /30 (a range too small holds nothing). */
export function parseServiceCidr(text: string): IPv4Range {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(text.trim());
  const base = m ? ipToNumber(m[1] ?? '') : undefined;
  const bits = m ? Number(m[2]) : NaN;
  if (!m || base === undefined || !(bits >= 8 && bits <= 30)) {
    throw new Error(`invalid service cluster IP range ${JSON.stringify(text)}: want an IPv4 CIDR from /8 to /30, e.g. ${DEFAULT_SERVICE_CIDR}`);
  }
  const size = 2 ** (32 - bits);
  const network = base - (base % size);
  return { cidr: `${numberToIp(network)}/${bits}`, first: network + 1, last: network + size - 2 };
}

export function parsePortRange(text: string): PortRange {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(text.trim());
  const min = m ? Number(m[1]) : NaN;
  const max = m ? Number(m[2]) : NaN;
  if (!m || !(min >= 1 && max <= 65535 && min <= max)) {
    throw new Error(`invalid service node port range ${JSON.stringify(text)}: want "min-max", e.g. ${DEFAULT_NODE_PORT_RANGE}`);
  }
  return { min, max, text: `${min}-${max}` };
}

export function inRange(range: IPv4Range, ip: string): boolean {
  const n = ipToNumber(ip);
  return n !== undefined && n >= range.first && n <= range.last;
}

/** The address the `kubernetes` Service gets: the first usable one of the range. */
export function firstServiceIp(range: IPv4Range): string {
  return numberToIp(range.first);
}

/**
 * Dynamic allocation prefers the upper part of the range so that the lower part stays free for
 * IPs chosen by hand (as Kubernetes does since 1.26): the lower band holds
 * min(max(16, size/16), 256) addresses.
 */
export function staticBandSize(range: IPv4Range): number {
  const size = range.last - range.first + 1;
  return Math.min(Math.max(16, Math.floor(size / 16)), 256, size);
}

/** The same split for node ports: min(max(16, size/32), 128). */
export function staticPortBandSize(range: PortRange): number {
  const size = range.max - range.min + 1;
  return Math.min(Math.max(16, Math.floor(size / 32)), 128, size);
}
