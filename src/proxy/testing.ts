// A throwaway network for tests and benchmarks that need real iptables without touching the
// host's tables: a "node" network namespace with a bridge (the node's pod gateway, like the
// containerd runtime's CNI bridge) and one namespace per "pod" on a veth pair into it. Servers
// and clients run as small node processes inside the namespaces (`ip netns exec`).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { ProxyEndpoint, ServicePort } from './model.js';

const exec = promisify(execFile);

export interface TestPod {
  netns: string;
  ip: string;
}

export interface TestNet {
  /** Namespace of the node (where proxy and policy rules go). */
  node: string;
  /** The node's address on the pod bridge (the pods' gateway). */
  nodeIP: string;
  /** Pod subnet, e.g. 10.99.3.0/24. */
  podCIDR: string;
  pods: TestPod[];
  close(): Promise<void>;
}

/** A ready, local endpoint (with `o` changing any of that). */
export const testEndpoint = (ip: string, port: number, o: Partial<ProxyEndpoint> = {}): ProxyEndpoint => ({ ip, port, ready: true, serving: true, terminating: false, local: true, ...o });

/** What the golden-rule fixtures share; each service adds its id, name, addresses and endpoints. */
export const GOLDEN_BASE = {
  namespace: 'default',
  portName: 'http',
  protocol: 'TCP' as const,
  loadBalancerIPs: [],
  externalIPs: [],
  externalTrafficPolicy: 'Cluster' as const,
  internalTrafficPolicy: 'Cluster' as const,
};

/** The services behind both golden rule files (iptables and nftables), so the two read side by side. */
export const GOLDEN_SERVICES: ServicePort[] = [
  // Three endpoints, two on other nodes: random balancing 1/3, then 1/2, then the rest.
  { ...GOLDEN_BASE, id: 'default/web:http', name: 'web', clusterIPs: ['10.43.0.10'], port: 80, endpoints: [testEndpoint('10.42.0.5', 8080), testEndpoint('10.42.0.6', 8080, { local: false }), testEndpoint('10.42.0.7', 8080, { local: false })] },
  // NodePort with externalTrafficPolicy Local and ClientIP affinity.
  { ...GOLDEN_BASE, id: 'default/np:http', name: 'np', clusterIPs: ['10.43.0.11'], port: 80, nodePort: 30080, externalTrafficPolicy: 'Local', affinityTimeoutSeconds: 60, endpoints: [testEndpoint('10.42.0.5', 8080), testEndpoint('10.42.1.9', 8080, { local: false })] },
  // No endpoints: rejected for both the cluster IP and the node port.
  { ...GOLDEN_BASE, id: 'default/empty:http', name: 'empty', clusterIPs: ['10.43.0.12'], port: 80, nodePort: 30081, endpoints: [] },
  // UDP LoadBalancer (servicelb address in status).
  { ...GOLDEN_BASE, id: 'default/lb:dns', name: 'lb', portName: 'dns', protocol: 'UDP', clusterIPs: ['10.43.0.20'], port: 53, nodePort: 31053, loadBalancerIPs: ['192.168.1.10'], endpoints: [testEndpoint('10.42.0.8', 5353)] },
  // internalTrafficPolicy Local: only this node's endpoint behind the cluster IP.
  { ...GOLDEN_BASE, id: 'default/itp', name: 'itp', portName: '', clusterIPs: ['10.43.0.21'], port: 80, internalTrafficPolicy: 'Local', endpoints: [testEndpoint('10.42.0.5', 8080), testEndpoint('10.42.1.9', 8080, { local: false })] },
  // internalTrafficPolicy Local without a local endpoint: dropped, not rejected.
  { ...GOLDEN_BASE, id: 'default/itp-remote', name: 'itp-remote', portName: '', clusterIPs: ['10.43.0.22'], port: 80, internalTrafficPolicy: 'Local', endpoints: [testEndpoint('10.42.1.9', 8080, { local: false })] },
  // Not ready, but serving and terminating: still used when nothing else is.
  { ...GOLDEN_BASE, id: 'default/draining', name: 'draining', portName: '', clusterIPs: ['10.43.0.23'], port: 80, endpoints: [testEndpoint('10.42.0.30', 80, { ready: false, terminating: true })] },
];

/** A TCP ClusterIP service port `default/<name>` on port 80. */
export const testServicePort = (name: string, clusterIP: string, endpoints: ProxyEndpoint[], extra: Partial<ServicePort> = {}): ServicePort => ({
  id: `default/${name}`,
  namespace: 'default',
  name,
  portName: '',
  protocol: 'TCP',
  clusterIPs: [clusterIP],
  port: 80,
  loadBalancerIPs: [],
  externalIPs: [],
  externalTrafficPolicy: 'Cluster',
  internalTrafficPolicy: 'Cluster',
  endpoints,
  ...extra,
});

/** True when this process may create network namespaces (root, iproute2, iptables). */
export function canUseNetns(): boolean {
  return process.getuid?.() === 0 && hasBinary('ip') && hasBinary('iptables-restore');
}

/** True when this process may also write nftables inside those namespaces (root, nft). */
export function canUseNft(): boolean {
  return canUseNetns() && hasBinary('nft');
}

function hasBinary(name: string): boolean {
  return ['/usr/sbin', '/sbin', '/usr/bin', '/bin'].some((d) => existsSync(`${d}/${name}`));
}

async function ip(...args: string[]): Promise<void> {
  await exec('ip', args);
}

/**
 * Creates the namespaces; `subnet` (0–255) picks 10.99.<subnet>.0/24 so parallel test files
 * do not collide. Pod i gets 10.99.<subnet>.<i + 2>; the node .1.
 */
export async function createTestNet(options: { tag: string; subnet: number; pods: number }): Promise<TestNet> {
  const id = `${options.tag}${process.pid % 100000}`;
  const node = `k8ts-${id}-n`;
  const prefix = `10.99.${options.subnet}`;
  const nodeIP = `${prefix}.1`;
  const pods: TestPod[] = [];
  const created: string[] = [];
  const close = async (): Promise<void> => {
    for (const ns of created.reverse()) await ip('netns', 'del', ns).catch(() => undefined);
  };
  try {
    await ip('netns', 'add', node);
    created.push(node);
    const inNode = (...args: string[]): Promise<void> => ip('-n', node, ...args);
    await inNode('link', 'set', 'lo', 'up');
    await inNode('link', 'add', 'br0', 'type', 'bridge');
    await inNode('addr', 'add', `${nodeIP}/24`, 'dev', 'br0');
    await inNode('link', 'set', 'br0', 'up');
    // The node's "uplink": cluster IPs route there (as a default route would), not back onto
    // the pod bridge (which would earn pods ICMP redirects instead of the proxy's answers).
    await inNode('link', 'add', 'uplink0', 'type', 'veth', 'peer', 'name', 'uplink1');
    await inNode('link', 'set', 'uplink1', 'up');
    await inNode('link', 'set', 'uplink0', 'up');
    await inNode('route', 'add', '10.43.0.0/16', 'dev', 'uplink0');
    await exec('ip', ['netns', 'exec', node, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    for (let i = 0; i < options.pods; i++) {
      const netns = `k8ts-${id}-p${i}`;
      const podIP = `${prefix}.${i + 2}`;
      await ip('netns', 'add', netns);
      created.push(netns);
      await ip('-n', node, 'link', 'add', `veth${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns);
      await inNode('link', 'set', `veth${i}`, 'master', 'br0');
      await inNode('link', 'set', `veth${i}`, 'type', 'bridge_slave', 'hairpin', 'on');
      await inNode('link', 'set', `veth${i}`, 'up');
      await ip('-n', netns, 'link', 'set', 'lo', 'up');
      await ip('-n', netns, 'addr', 'add', `${podIP}/24`, 'dev', 'eth0');
      await ip('-n', netns, 'link', 'set', 'eth0', 'up');
      await ip('-n', netns, 'route', 'add', 'default', 'via', nodeIP);
      pods.push({ netns, ip: podIP });
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { node, nodeIP, podCIDR: `${prefix}.0/24`, pods, close };
}

export interface NetnsServer {
  close(): Promise<void>;
}

// Answers every TCP connection with "<name> <peer address>" and closes; UDP datagrams likewise.
// A client that resets at once (a probe that only checks the connect) must not end the server.
const SERVER_SCRIPT = `
const net = require('node:net'), dgram = require('node:dgram');
const [host, port, name] = process.argv.slice(1);
const s = net.createServer((c) => { c.on('error', () => {}); c.end(name + ' ' + String(c.remoteAddress).replace(/^::ffff:/, '')); });
s.listen(Number(port), host, () => {
  const u = dgram.createSocket('udp4');
  u.on('message', (m, r) => u.send(name + ' ' + r.address, r.port, r.address));
  u.bind(Number(port), host, () => process.stdout.write('ready\\n'));
});
process.stdin.on('end', () => process.exit(0)); process.stdin.resume();
`;

/** A TCP+UDP server in `netns` on host:port answering "<name> <client address>". */
export function startNetnsServer(netns: string, host: string, port: number, name: string): Promise<NetnsServer> {
  const child: ChildProcess = spawn('ip', ['netns', 'exec', netns, process.execPath, '-e', SERVER_SCRIPT, host, String(port), name], { stdio: ['pipe', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
    child.once('exit', (code) => reject(new Error(`server ${name} exited with ${code}: ${err}`)));
    child.stdout?.once('data', () =>
      resolve({
        close: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.removeAllListeners('exit');
            child.once('exit', () => done());
            child.stdin?.end();
          }),
      }),
    );
  });
}

const CLIENT_SCRIPT = `
const net = require('node:net');
const [host, port, timeout] = process.argv.slice(1);
const c = net.connect({ host, port: Number(port) });
let data = '';
const t = setTimeout(() => { process.stdout.write(JSON.stringify({ ok: false, error: 'TIMEOUT' })); process.exit(0); }, Number(timeout));
c.on('data', (d) => (data += d));
c.on('end', () => { clearTimeout(t); process.stdout.write(JSON.stringify({ ok: true, data })); process.exit(0); });
c.on('error', (e) => { clearTimeout(t); process.stdout.write(JSON.stringify({ ok: false, error: e.code })); process.exit(0); });
`;

export type ConnectResult = { ok: true; data: string } | { ok: false; error: string };

/** Opens a TCP connection from inside `netns` and reads until the server closes. */
export async function connectFrom(netns: string, host: string, port: number, timeoutMs = 2000): Promise<ConnectResult> {
  const { stdout } = await exec('ip', ['netns', 'exec', netns, process.execPath, '-e', CLIENT_SCRIPT, host, String(port), String(timeoutMs)]);
  return JSON.parse(stdout) as ConnectResult;
}

/** Retries `connectFrom` until `accept` holds or the deadline passes; returns the last result. */
export async function connectUntil(netns: string, host: string, port: number, accept: (r: ConnectResult) => boolean, ms = 5000): Promise<ConnectResult> {
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await connectFrom(netns, host, port, 1000);
    if (accept(r) || Date.now() > deadline) return r;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
