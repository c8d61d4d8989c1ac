// `k8ts agent`: joins this machine to a cluster as a node. With only the server URL and the
// join token it verifies the cluster CA, obtains the node's client and serving certificates by
// CertificateSigningRequest (TLS bootstrap), then runs the node agent (kubelet and its HTTPS
// API) and the node's networking (service proxy, network policy, ingress; each can be
// disabled) until SIGINT/SIGTERM. Containers keep running when the agent stops; the next start
// re-adopts them.
import { homedir, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { hostAddresses } from '../kubelet/config.js';
import { createLogger, isLogLevel, type LogLevel } from '../log.js';
import { startNodeAgent, type KubeletTuning } from '../node/agent.js';
import { bootstrapNodeCredentials, nodeClient } from '../node/bootstrap.js';
import { startNodeNetworking } from '../node/networking.js';
import { defaultRuntime, isRuntimeName, RUNTIME_NAMES, runtimeAvailability, type RuntimeName } from '../node/runtimes.js';
import { CONTAINER_RUNTIME_ENDPOINT_FLAG, KUBELET_FLAGS, kubeletFlagOptions, runtimeEndpointProblem } from './node-flags.js';
import { helpText, parseFlags, UsageError } from './flags.js';

export function defaultAgentDataDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/k8ts/agent' : join(homedir(), '.local', 'share', 'k8ts', 'agent');
}

/** Networking parts of a node that `--disable` can leave out. */
export const AGENT_COMPONENTS = ['proxy', 'netpol', 'ingress'] as const;

const specs = {
  server: { type: 'string', placeholder: 'URL', description: 'API server to join, e.g. https://10.0.0.1:6443' },
  token: { type: 'string', placeholder: 'TOKEN', description: "Join token (the server's <data-dir>/token)" },
  'node-name': { type: 'string', placeholder: 'NAME', description: 'Node name (default: this host name)' },
  runtime: { type: 'string', placeholder: 'NAME', description: 'Container runtime: containerd, process or fake (default: containerd where it can run, else process)' },
  'container-runtime-endpoint': CONTAINER_RUNTIME_ENDPOINT_FLAG,
  'data-dir': { type: 'string', placeholder: 'DIR', description: 'Where certificates and container state live', default: defaultAgentDataDir() },
  'node-ip': { type: 'string', placeholder: 'IP', description: "The node's InternalIP (default: the first non-loopback IPv4 address)" },
  'node-label': { type: 'string', placeholder: 'KEY=VALUE', description: 'Label to register the node with (repeatable)', multiple: true },
  'kubelet-port': { type: 'string', placeholder: 'PORT', description: 'Port of the kubelet API (0: any free port)', default: '10250' },
  'node-status-update-frequency': {
    type: 'string',
    placeholder: 'SECONDS',
    description: 'How often the node heartbeats (lease) and reports status',
    default: '10',
  },
  'crash-loop-backoff-max': {
    type: 'string',
    placeholder: 'SECONDS',
    description: 'Longest wait before restarting a crashing container (Kubernetes: 300)',
    default: '300',
  },
  disable: {
    type: 'string',
    placeholder: 'NAME',
    description: `Do not run this part of the node's networking: ${AGENT_COMPONENTS.join(', ')} (repeatable)`,
    multiple: true,
  },
  'ingress-ports': { type: 'string', placeholder: 'HTTP,HTTPS', description: 'Ports of the ingress proxy on the node', default: '80,443' },
  'cluster-cidr': { type: 'string', placeholder: 'CIDR', description: "The cluster's pod addresses (the server's --cluster-cidr)", default: '10.42.0.0/16' },
  'cluster-dns': { type: 'string', placeholder: 'IP', description: "Nameserver of pods with dnsPolicy ClusterFirst (the kube-dns Service IP; 'none': the host's resolv.conf)", default: '10.43.0.10' },
  ...KUBELET_FLAGS,
  'log-level': { type: 'string', placeholder: 'LEVEL', description: 'error, warn, info or debug', default: 'info' },
} as const;

const help = helpText(
  'k8ts agent --server URL --token TOKEN [flags]',
  'Join this machine to a k8ts cluster as a node. Like kube-proxy on every node, the agent also runs\n' +
    'the service proxy (iptables for containerd pods, userspace for the process runtime), NetworkPolicy\n' +
    'enforcement (containerd) and the ingress proxy; --disable proxy|netpol|ingress leaves one out\n' +
    '(nodes sharing one machine share its iptables and ports: run them on one node only).',
  specs,
);

export interface AgentNetworking {
  proxy: boolean;
  networkPolicy: boolean;
  /** Undefined: no ingress proxy. */
  ingress?: { httpPort: number; httpsPort: number };
  clusterCidr: string;
  /** Undefined: pods use the host's resolver configuration. */
  clusterDns?: string;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** The networking flags of `k8ts agent`, checked; throws UsageError. */
export function parseAgentNetworking(flags: {
  disable: readonly string[];
  'ingress-ports'?: string | undefined;
  'cluster-cidr'?: string | undefined;
  'cluster-dns'?: string | undefined;
}): AgentNetworking {
  const unknown = flags.disable.find((c) => !(AGENT_COMPONENTS as readonly string[]).includes(c));
  if (unknown !== undefined) throw new UsageError(`--disable takes ${AGENT_COMPONENTS.join(', ')}, not "${unknown}"`);
  const disabled = new Set(flags.disable);
  const rawPorts = flags['ingress-ports'] ?? '80,443';
  const ports = rawPorts.split(',').map((p) => (/^\d+$/.test(p.trim()) ? Number(p) : NaN));
  const [httpPort, httpsPort] = ports;
  if (ports.length !== 2 || httpPort === undefined || httpsPort === undefined || ports.some((p) => !Number.isInteger(p) || p > 65535)) {
    throw new UsageError(`--ingress-ports takes two ports, HTTP,HTTPS, not "${rawPorts}"`);
  }
  const clusterCidr = flags['cluster-cidr'] ?? '10.42.0.0/16';
  const [base = '', bits = ''] = clusterCidr.split('/');
  if (!IPV4.test(base) || !/^\d+$/.test(bits) || Number(bits) > 32) throw new UsageError(`--cluster-cidr takes an IPv4 CIDR, not "${clusterCidr}"`);
  const dns = flags['cluster-dns'] ?? '10.43.0.10';
  if (dns !== 'none' && !IPV4.test(dns)) throw new UsageError(`--cluster-dns takes an IPv4 address or "none", not "${dns}"`);
  return {
    proxy: !disabled.has('proxy'),
    networkPolicy: !disabled.has('netpol'),
    ...(disabled.has('ingress') ? {} : { ingress: { httpPort, httpsPort } }),
    clusterCidr,
    ...(dns === 'none' ? {} : { clusterDns: dns }),
  };
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function seconds(name: string, raw: string | undefined, min: number): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`--${name} must be a number of seconds >= ${min}, not "${raw ?? ''}"`);
  return n;
}

function parseLabels(raw: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const item of raw) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--node-label takes KEY=VALUE, not "${item}"`);
    labels[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return labels;
}

function chooseRuntime(requested: string | undefined, endpoint: string | undefined): RuntimeName {
  const problem = runtimeEndpointProblem(requested, endpoint);
  if (problem) throw new UsageError(problem);
  if (endpoint !== undefined) return 'containerd';
  if (requested !== undefined) {
    if (!isRuntimeName(requested)) throw new UsageError(`--runtime must be ${RUNTIME_NAMES.join(', ')}, not "${requested}"`);
    const a = runtimeAvailability().find((r) => r.name === requested);
    if (a && !a.available) throw new UsageError(`the ${requested} runtime cannot run here: ${a.reason}`);
    return requested;
  }
  const chosen = defaultRuntime();
  if (chosen.name) return chosen.name;
  const why = chosen.availability.map((a) => (a.available ? `${a.name}: available` : `${a.name}: ${a.reason}`)).join('; ');
  throw new UsageError(`no container runtime that runs real containers is available (${why}); use --runtime fake to simulate`);
}

function abortOnSignals(): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const onInt = (): void => ac.abort('SIGINT');
  const onTerm = (): void => ac.abort('SIGTERM');
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  return {
    signal: ac.signal,
    dispose: () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}

export async function runAgent(argv: readonly string[]): Promise<number> {
  let flags;
  let runtime: RuntimeName;
  let labels: Record<string, string>;
  let tuning: KubeletTuning;
  let kubeletPort: number;
  let logLevel: LogLevel;
  let networking: AgentNetworking;
  try {
    flags = parseFlags(argv, specs, help);
    if (!flags) return 0;
    if (!flags.server) throw new UsageError('--server is required');
    if (!flags.token) throw new UsageError('--token is required');
    const level = flags['log-level'] ?? 'info';
    if (!isLogLevel(level)) throw new UsageError(`--log-level must be error, warn, info or debug, not "${level}"`);
    logLevel = level;
    networking = parseAgentNetworking(flags);
    runtime = chooseRuntime(flags.runtime, flags['container-runtime-endpoint']);
    labels = parseLabels(flags['node-label']);
    kubeletPort = Number(flags['kubelet-port']);
    if (!Number.isInteger(kubeletPort) || kubeletPort < 0 || kubeletPort > 65535) throw new UsageError(`--kubelet-port must be a port number, not "${flags['kubelet-port'] ?? ''}"`);
    const frequencyMs = seconds('node-status-update-frequency', flags['node-status-update-frequency'], 0.1) * 1000;
    const backoffMaxMs = seconds('crash-loop-backoff-max', flags['crash-loop-backoff-max'], 1) * 1000;
    const kubeletFlags = kubeletFlagOptions(flags);
    if (!kubeletFlags.ok) throw new UsageError(kubeletFlags.problem);
    tuning = {
      heartbeatIntervalMs: frequencyMs,
      nodeStatusUpdateFrequencyMs: frequencyMs,
      crashLoopBackOff: { initialMs: Math.min(10_000, backoffMaxMs), maxMs: backoffMaxMs },
      ...(networking.clusterDns ? { clusterDNS: [networking.clusterDns] } : {}),
      ...kubeletFlags.options,
    };
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`k8ts agent: ${err.message}\n\n${help}`);
      return 2;
    }
    throw err;
  }
  const log = createLogger('agent', { level: logLevel });
  if (flags.runtime === undefined) {
    for (const a of runtimeAvailability()) if (!a.available && a.name !== 'fake') log.info(`runtime ${a.name} not used: ${a.reason}`);
  }
  const nodeName = (flags['node-name'] ?? hostname()).toLowerCase();
  if (!DNS_SUBDOMAIN.test(nodeName) || nodeName.length > 253) {
    process.stderr.write(`k8ts agent: "${nodeName}" is not a valid node name (lower-case DNS subdomain); set --node-name\n`);
    return 2;
  }
  const nodeIp = flags['node-ip'] ?? hostAddresses(nodeName).find((a) => a.type === 'InternalIP')?.address ?? '127.0.0.1';
  const dataDir = resolve(flags['data-dir'] ?? defaultAgentDataDir());
  const server = flags.server;
  const token = flags.token;
  const stopSignals = abortOnSignals();
  const signal = stopSignals.signal;
  try {
    log.info(`joining ${server} as node ${nodeName} (InternalIP ${nodeIp}, runtime ${runtime}, data dir ${dataDir})`);
    const creds = await bootstrapNodeCredentials({
      server,
      token,
      nodeName,
      servingNames: [...new Set([nodeIp, nodeName, hostname().toLowerCase()])],
      pkiDir: join(dataDir, 'agent', 'pki'),
      log,
      signal,
    });
    if (!creds.serving) throw new Error('no serving certificate was issued');
    const client = nodeClient(server, creds, `k8ts-agent/${nodeName}`);
    const agent = await startNodeAgent({
      client,
      nodeName,
      runtime,
      dataDir,
      kubeletTls: { cert: creds.serving.cert, key: creds.serving.key, clientCA: creds.caCert },
      address: nodeIp,
      kubeletPort,
      nodeLabels: labels,
      log,
      kubelet: tuning,
      ...(flags['container-runtime-endpoint'] ? { containerRuntimeEndpoint: flags['container-runtime-endpoint'] } : {}),
      signal,
    });
    const net = await startNodeNetworking({
      client,
      nodeName,
      runtime,
      address: nodeIp,
      clusterCidr: networking.clusterCidr,
      proxy: networking.proxy,
      networkPolicy: networking.networkPolicy,
      // The server's node answers for LoadBalancer Services (k3s servicelb on one machine).
      loadBalancer: false,
      ...(networking.ingress ? { ingress: networking.ingress } : {}),
      log,
      signal,
    });
    log.info(`node ${nodeName} is running; stop with Ctrl-C (containers keep running)`);
    await new Promise<void>((done) => (signal.aborted ? done() : signal.addEventListener('abort', () => done(), { once: true })));
    log.info(`${String(signal.reason)}: stopping the node agent`);
    await net.stop();
    await agent.stop();
    client.close();
    log.info('stopped');
    return 0;
  } catch (err) {
    if (signal.aborted) {
      log.info(`${String(signal.reason)}: stopped before the node was running`);
      return 0;
    }
    process.stderr.write(`k8ts agent: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    stopSignals.dispose();
  }
}
