// `k8ts server`: a whole control plane in one process. Opens the datastore, makes the PKI on
// first start, serves the Kubernetes API over HTTPS and writes the admin kubeconfig.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { AUTHORIZATION_MODES, startApiServer } from '../apiserver/server.js';
import { createLogger, isLogLevel } from '../log.js';
import { defaultKubeconfigPath, mergeKubeconfig, writeKubeconfig } from '../pki/kubeconfig.js';
import { ensurePki, servingAltNames } from '../pki/pki.js';
import { FRONT_PROXY_CLIENT_NAME } from '../api/front-proxy.js';
import { issueServingCertificate, serviceDnsNames } from '../pki/aggregated-api.js';
import { openStorage } from '../storage/open.js';
import { K8TS_VERSION, versionInfo } from '../version.js';
import { ensureJoinTokenFile } from '../node/join-token.js';
import { defaultRuntime, isRuntimeName, RUNTIME_NAMES, type RuntimeName } from '../node/runtimes.js';
import { hostAddresses } from '../kubelet/config.js';
import { loadPrivateKey } from '../pki/certificates.js';
import { kubeDnsClusterIp } from '../dns/kube-dns-service.js';
import { COMPONENTS, internalIdentity, nodeIdentity, startControlPlane, type RunningControlPlane } from './control-plane.js';
import { CONTAINER_RUNTIME_ENDPOINT_FLAG, KUBELET_FLAGS, kubeletFlagOptions, runtimeEndpointProblem } from './node-flags.js';
import { helpText, parseFlags, UsageError } from './flags.js';

export function defaultDataDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/k8ts' : join(homedir(), '.local', 'share', 'k8ts');
}

const specs = {
  'data-dir': { type: 'string', placeholder: 'DIR', description: 'Where state, certificates and kubeconfig live', default: `${defaultDataDir()}` },
  port: { type: 'string', placeholder: 'PORT', description: 'HTTPS port of the API server', default: '6443' },
  'bind-address': { type: 'string', placeholder: 'ADDR', description: 'Address the API server listens on', default: '0.0.0.0' },
  datastore: {
    type: 'string',
    placeholder: 'SPEC',
    description: 'sqlite (embedded, <data-dir>/db/state.db), memory, or etcd://host:port[,host:port…]',
    default: 'sqlite',
  },
  'tls-san': { type: 'string', placeholder: 'NAME', description: 'Extra DNS name or IP for the serving certificate (repeatable)', multiple: true },
  'user-kubeconfig': {
    type: 'string',
    placeholder: 'PATH',
    description: 'Also merge a "k8ts" context into this kubeconfig; "none" to skip',
    default: '$KUBECONFIG or ~/.kube/config',
  },
  disable: {
    type: 'string',
    placeholder: 'NAME',
    description: `Do not run this component: ${COMPONENTS.join(', ')} (repeatable)`,
    multiple: true,
  },
  runtime: {
    type: 'string',
    placeholder: 'NAME',
    description: `Container runtime of this server's node: ${RUNTIME_NAMES.join(', ')} (default: the first available real one)`,
  },
  'container-runtime-endpoint': CONTAINER_RUNTIME_ENDPOINT_FLAG,
  'node-name': { type: 'string', placeholder: 'NAME', description: "This server's node name", default: 'the host name' },
  'node-ip': { type: 'string', placeholder: 'IP', description: "This server's node InternalIP", default: 'first non-loopback IPv4' },
  ...KUBELET_FLAGS,
  'node-monitor-grace-period': {
    type: 'string',
    placeholder: 'SECONDS',
    description: 'A node silent this long is marked unreachable (5 for fast failover)',
    default: '40',
  },
  'service-cidr': { type: 'string', placeholder: 'CIDR', description: 'Service ClusterIPs', default: '10.43.0.0/16' },
  'service-node-port-range': { type: 'string', placeholder: 'RANGE', description: 'NodePorts', default: '30000-32767' },
  'ingress-ports': { type: 'string', placeholder: 'HTTP,HTTPS', description: 'Ports of the ingress proxy on the node', default: '80,443' },
  'cluster-dns-port': {
    type: 'string',
    placeholder: 'PORT',
    description: 'Port of the cluster DNS server on the node (0: any free port)',
    default: '53',
  },
  'metrics-server-port': {
    type: 'string',
    placeholder: 'PORT',
    description: 'HTTPS port of the bundled metrics-server (metrics.k8s.io; 0: any free port)',
    default: '4443',
  },
  'metric-resolution': { type: 'string', placeholder: 'SECONDS', description: 'How often the metrics-server scrapes every kubelet', default: '15' },
  'cluster-cidr': { type: 'string', placeholder: 'CIDR', description: 'Pod addresses; each node gets a /24 of it', default: '10.42.0.0/16' },
  'authorization-mode': {
    type: 'string',
    placeholder: 'MODE',
    description: 'RBAC (roles and bindings decide; group system:masters may do anything) or AlwaysAllow (every authenticated request)',
    default: 'RBAC',
  },
  'log-level': { type: 'string', placeholder: 'LEVEL', description: 'error, warn, info or debug', default: 'info' },
} as const;

const help = helpText(
  'k8ts server [flags]',
  'Run a k8ts cluster: the Kubernetes API over HTTPS on the chosen datastore.\n' +
    'The admin kubeconfig is written to <data-dir>/kubeconfig.yaml; /readyz answers once serving.',
  specs,
);

export async function runServer(argv: readonly string[]): Promise<number> {
  let flags;
  try {
    flags = parseFlags(argv, specs, help);
    if (!flags) return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`k8ts server: ${err.message}\n\n${help}`);
      return 2;
    }
    throw err;
  }
  const started = performance.now();
  const ms = (): string => `${Math.round(performance.now() - started)} ms`;
  const logLevel = flags['log-level'] ?? 'info';
  if (!isLogLevel(logLevel)) throw new UsageError(`--log-level must be error, warn, info or debug, not "${logLevel}"`);
  const log = createLogger('server', { level: logLevel });
  const gracePeriod = Number(flags['node-monitor-grace-period']);
  if (!(gracePeriod > 0)) {
    process.stderr.write(`k8ts server: --node-monitor-grace-period must be a positive number of seconds\n`);
    return 2;
  }
  const kubeletFlags = kubeletFlagOptions(flags);
  if (!kubeletFlags.ok) {
    process.stderr.write(`k8ts server: ${kubeletFlags.problem}\n`);
    return 2;
  }
  const unknownComponent = flags.disable.find((c) => !(COMPONENTS as readonly string[]).includes(c));
  if (unknownComponent) {
    process.stderr.write(`k8ts server: --disable takes ${COMPONENTS.join(', ')}, not "${unknownComponent}"\n`);
    return 2;
  }
  let runtime: RuntimeName | undefined = undefined;
  if (flags.runtime !== undefined) {
    if (!isRuntimeName(flags.runtime)) {
      process.stderr.write(`k8ts server: --runtime takes ${RUNTIME_NAMES.join(', ')}, not "${flags.runtime}"\n`);
      return 2;
    }
    runtime = flags.runtime;
  }
  const ingressPorts = (flags['ingress-ports'] ?? '80,443').split(',').map(Number);
  if (ingressPorts.length !== 2 || ingressPorts.some((p) => !Number.isInteger(p) || p < 0 || p > 65535)) {
    process.stderr.write(`k8ts server: --ingress-ports takes two ports, HTTP,HTTPS, not "${flags['ingress-ports']}"\n`);
    return 2;
  }
  const dnsPort = Number(flags['cluster-dns-port']);
  if (!Number.isInteger(dnsPort) || dnsPort < 0 || dnsPort > 65535) {
    process.stderr.write(`k8ts server: --cluster-dns-port must be a port number, not "${flags['cluster-dns-port']}"\n`);
    return 2;
  }
  const metricsPort = Number(flags['metrics-server-port']);
  if (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535) {
    process.stderr.write(`k8ts server: --metrics-server-port must be a port number, not "${flags['metrics-server-port']}"\n`);
    return 2;
  }
  const metricResolution = Number(flags['metric-resolution']);
  if (!(metricResolution > 0)) {
    process.stderr.write(`k8ts server: --metric-resolution must be a positive number of seconds\n`);
    return 2;
  }
  const authorizationMode = AUTHORIZATION_MODES.find((m) => m === (flags['authorization-mode'] ?? 'RBAC'));
  if (!authorizationMode) {
    process.stderr.write(`k8ts server: --authorization-mode takes ${AUTHORIZATION_MODES.join(' or ')}, not "${flags['authorization-mode']}"\n`);
    return 2;
  }
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`k8ts server: --port must be a port number, not "${flags.port}"\n`);
    return 2;
  }
  const dataDir = resolve(flags['data-dir'] ?? defaultDataDir());
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  log.info(`k8ts ${K8TS_VERSION} (Kubernetes ${versionInfo().gitVersion}) starting; data dir ${dataDir}`);

  const storage = await openStorage(flags.datastore ?? 'sqlite', { dataDir });
  log.info(`datastore ${storage.backend} open (${ms()})`);

  const pki = ensurePki(dataDir, { altNames: servingAltNames(flags['tls-san']) });
  log.info(`certificates in ${pki.tlsDir} (${ms()})`);

  const joinToken = ensureJoinTokenFile(pki.tokenFile, pki.caCert, () => randomBytes(24).toString('hex'));
  const caKeyPem = readFileSync(join(pki.tlsDir, 'ca.key'), 'utf8');
  const nodeName = (flags['node-name'] === specs['node-name'].default ? hostname() : flags['node-name'] ?? hostname()).toLowerCase();
  const nodeIp =
    flags['node-ip'] !== undefined && flags['node-ip'] !== specs['node-ip'].default
      ? flags['node-ip']
      : (hostAddresses(nodeName).find((a) => a.type === 'InternalIP')?.address ?? '127.0.0.1');
  const endpoint = flags['container-runtime-endpoint'];
  const endpointProblem = runtimeEndpointProblem(runtime, endpoint);
  if (endpointProblem) {
    process.stderr.write(`k8ts server: ${endpointProblem}\n`);
    return 2;
  }
  const chosen = endpoint !== undefined ? 'containerd' : (runtime ?? defaultRuntime().name ?? 'fake');
  if (!runtime && !flags.disable.includes('agent')) {
    const unavailable = defaultRuntime().availability.filter((a) => !a.available);
    for (const a of unavailable) if (!a.available) log.info(`runtime ${a.name} not available: ${a.reason}`);
  }
  const bind = flags['bind-address'] ?? '0.0.0.0';
  const internal = internalIdentity();
  const node = nodeIdentity(nodeName);
  let server;
  try {
    server = await startApiServer({
      storage,
      host: bind,
      port,
      // The chain includes the CA, so joining agents can read it and check it against their token.
      tls: { cert: pki.servingCert + pki.caCert, key: pki.servingKey, clientCA: pki.caCert },
      kubelet: { cert: pki.adminCert, key: pki.adminKey, ca: pki.caCert },
      tokens: new Map([
        [joinToken.secret, { username: 'system:k8ts:node-joiner', groups: ['system:bootstrappers'] }],
        [internal.token, internal.user],
        [node.token, node.user],
      ]),
      serviceAccountKey: pki.serviceAccountKey,
      frontProxy: { cert: pki.frontProxyClientCert, key: pki.frontProxyClientKey, caCert: pki.frontProxyCaCert },
      serviceClusterIpRange: flags['service-cidr'] ?? '10.43.0.0/16',
      serviceNodePortRange: flags['service-node-port-range'] ?? '30000-32767',
      advertiseAddress: nodeIp,
      authorizationMode,
      logRequests: logLevel === 'debug',
      requestLog: (line: string) => log.debug(line),
      log: (line: string) => log.warn(line),
    });
  } catch (err) {
    await storage.close();
    throw err;
  }
  let controlPlane: RunningControlPlane;
  try {
    controlPlane = await startControlPlane(server, internal.token, {
      disabled: new Set(flags.disable),
      shared: storage.backend === 'etcd',
      nodeMonitorGracePeriodMs: gracePeriod * 1000,
      clusterCidr: flags['cluster-cidr'] ?? '10.42.0.0/16',
      csrSigning: { caCert: pki.caCert, caKey: loadPrivateKey(caKeyPem) },
      rootCaCert: pki.caCert,
      dns: {
        host: bind,
        port: dnsPort,
        clusterIp: kubeDnsClusterIp(flags['service-cidr'] ?? '10.43.0.0/16'),
        address: nodeIp,
      },
      metricsServer: {
        host: bind,
        port: metricsPort,
        // Where the aggregator reaches it: the node's address, unless it listens on one address only.
        address: bind === '0.0.0.0' || bind === '::' ? nodeIp : bind,
        resolutionMs: metricResolution * 1000,
        tls: issueServingCertificate({
          caCert: pki.caCert,
          caKeyPem,
          commonName: 'metrics-server',
          altNames: [...serviceDnsNames('kube-system', 'metrics-server'), 'localhost', '127.0.0.1', nodeIp],
        }),
        caBundle: pki.caCert,
        requestHeaderCA: pki.frontProxyCaCert,
        allowedNames: [FRONT_PROXY_CLIENT_NAME],
      },
      node: {
        name: nodeName,
        token: node.token,
        address: nodeIp,
        runtime: chosen,
        ...(endpoint !== undefined ? { containerRuntimeEndpoint: endpoint } : {}),
        dataDir,
        caCert: pki.caCert,
        caKeyPem,
        clusterCidr: flags['cluster-cidr'] ?? '10.42.0.0/16',
        proxy: true,
        networkPolicy: true,
        ingress: { httpPort: ingressPorts[0] ?? 80, httpsPort: ingressPorts[1] ?? 443 },
        ...kubeletFlags.options,
      },
      log,
    });
  } catch (err) {
    await server.close();
    await storage.close();
    throw err;
  }
  const localHost = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind;
  const url = `https://${localHost.includes(':') ? `[${localHost}]` : localHost}:${server.port}`;
  const entry = { name: 'k8ts', server: url, caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey };
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  writeKubeconfig(kubeconfig, entry);
  const userKubeconfig = flags['user-kubeconfig'];
  if (userKubeconfig !== 'none') {
    const target = userKubeconfig === specs['user-kubeconfig'].default || !userKubeconfig ? defaultKubeconfigPath() : userKubeconfig;
    try {
      mergeKubeconfig(target, entry);
      log.info(`context "k8ts" merged into ${target}`);
    } catch (err) {
      log.warn(`could not update ${target}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  log.info(`API server listening on ${url} (ready in ${ms()})`);
  log.info(`kubeconfig: ${kubeconfig} — try: kubectl --kubeconfig ${kubeconfig} get namespaces`);
  log.info(`node join token: ${pki.tokenFile}`);

  return new Promise<number>((done) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info(`${signal}: shutting down`);
      void (async () => {
        await controlPlane.stop();
        await server.close().catch((err: unknown) => log.warn(`API server close: ${String(err)}`));
        await storage.close().catch((err: unknown) => log.warn(`datastore close: ${String(err)}`));
        log.info('stopped');
        done(0);
      })();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
