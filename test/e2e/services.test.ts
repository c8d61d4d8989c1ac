// Services end to end on real containerd with two nodes and real kubectl 1.33: the server's node
// runs the service proxy (nftables where nft works, else iptables), NetworkPolicy enforcement
// and the ingress proxy; a joined `k8ts agent` node runs pods only. Both nodes live in this
// machine's one network namespace, so they share its iptables and ports: a second proxy or
// policy enforcer would rewrite the same K8TS- chains with its own view (k8ts refuses a second
// one per network namespace), and a second ingress would race for the ports and the Ingress
// status. The agent therefore runs with
// `--disable proxy --disable netpol --disable ingress`, and the server's rules serve the pods of
// both nodes; policies are enforced for the server node's pods, which the test protects.
// Needs root, containerd, runc, the CNI plugins, iptables, dig and the offline images.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import { nodeContainerdSocket } from '../../src/cli/images.js';
import { removeNodeContainerdFootprint } from '../../src/containerd/cleanup.js';
import { bridgeNameFor } from '../../src/containerd/config.js';
import { createLogger } from '../../src/log.js';
import { NetpolWriter } from '../../src/netpol/netpol.js';
import { IptablesRunner } from '../../src/proxy/iptables.js';
import { IptablesProxier } from '../../src/proxy/iptables-proxier.js';
import { NftRunner } from '../../src/proxy/nft.js';
import { NftablesProxier } from '../../src/proxy/nft-proxier.js';
import { AGENT_WITHOUT_NETWORKING, eventually, KUBECTL_DIR, manifestFile, startCluster, type KubectlResult, type TestCluster } from './cluster.js';
import { containerdSkipReason, freePort, killLeftoverShims, prepareTestImages, runningTasks, startContainerdAgent, type TestAgent } from './containerd-node.js';

const skip = containerdSkipReason();

const SERVER_NODE = `e2e-svc-a-${process.pid}`;
const AGENT_NODE = `e2e-svc-b-${process.pid}`;
// Distinct from the other containerd e2e files (10.77–10.79), which may run at the same time.
const CLUSTER_CIDR = '10.81.0.0/16';
const KUBE_DNS = '10.43.0.10';

let c: TestCluster | undefined;
let agentDir = '';
let agent: TestAgent | undefined;
let ingressPort = 0;

function cluster(): TestCluster {
  if (!c) throw new Error('the cluster did not start');
  return c;
}

const k = (args: readonly string[]): KubectlResult => cluster().kubectl('1.33', args);

function ok(r: KubectlResult, what: string): string {
  assert.equal(r.code, 0, `${what} failed (${r.code}): ${r.stderr}\n${cluster().logs().slice(-3000)}\n${agent?.output().slice(-1500) ?? ''}`);
  return r.stdout;
}

/** kubectl without blocking the event loop (for a request loop that runs during a rollout). */
function kubectlAsync(args: readonly string[], timeoutMs: number): Promise<KubectlResult> {
  const cl = cluster();
  return new Promise((resolve) => {
    const child = spawn(join(KUBECTL_DIR, 'kubectl.1.33'), ['--kubeconfig', cl.kubeconfig, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: cl.dataDir } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** One HTTP GET on a fresh connection (no keep-alive: each request is balanced anew). */
function httpGet(host: string, port: number, options: { hostHeader?: string; timeoutMs?: number } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get({ host, port, path: '/', agent: false, timeout: options.timeoutMs ?? 3000, headers: options.hostHeader ? { host: options.hostHeader } : {} }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET http://${host}:${port}/ timed out`)));
    req.on('error', reject);
  });
}

/** Runs a shell command in a pod; stdout. */
function inPod(pod: string, script: string): KubectlResult {
  return k(['exec', pod, '--', 'sh', '-c', script]);
}

/** `n` requests from a pod, one answer (or FAIL) per line. */
function requestsFrom(pod: string, url: string, n: number): string[] {
  const out = ok(inPod(pod, `for i in $(seq ${n}); do timeout 3 wget -qO- ${url} || echo FAIL; done`), `${n} requests from ${pod} to ${url}`);
  return out.split('\n').filter((l) => l.trim() !== '');
}

function countBy(lines: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of lines) m.set(l, (m.get(l) ?? 0) + 1);
  return m;
}

function getJson<T>(args: readonly string[]): T {
  return JSON.parse(ok(k([...args, '-o', 'json']), `get ${args.join(' ')}`)) as T;
}

/** Running, ready, not terminating pods with the label. */
function readyPods(selector: string): Pod[] {
  return getJson<{ items: Pod[] }>(['get', 'pods', '-l', selector]).items.filter(
    (p) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running' && p.status.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'),
  );
}

function serviceOf(name: string): Service {
  return getJson<Service>(['get', 'service', name]);
}

/** The host's proxy rules in either kernel mode: iptables-save, then the nftables `ip k8ts` table. */
function proxyRules(): string {
  const nft = spawnSync('nft', ['list', 'table', 'ip', 'k8ts'], { encoding: 'utf8' });
  return execFileSync('iptables-save', { encoding: 'utf8' }) + (nft.status === 0 ? nft.stdout : '');
}

/** Whether the host still holds any K8TS- chain or jump, or the k8ts nftables table. */
function k8tsRulesLeft(): boolean {
  return /K8TS-|table ip k8ts/.test(proxyRules());
}

// A web server answering with its pod's name (a file written at start); busybox httpd as PID 1
// ignores SIGTERM, so a terminating pod keeps serving until its grace period ends.
const httpdDeployment = (name: string, replicas: number, extra: string): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: 3
${extra}      containers:
      - name: httpd
        image: busybox:1.35
        env: [{name: VERSION, value: "1"}]
        command: [sh, -c, 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 80 -h /www']
        ports: [{name: http, containerPort: 80}]
        readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 1}
`;

const spreadOverNodes = `      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}}
`;

const shellPod = (name: string, labels: string): string => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {${labels}}}
spec:
  terminationGracePeriodSeconds: 1
  nodeSelector: {kubernetes.io/hostname: ${AGENT_NODE}}
  containers:
  - name: sh
    image: busybox:1.35
    command: [sleep, "3600"]
`;

const nodePortService = `apiVersion: v1
kind: Service
metadata: {name: web-np}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
`;

const otherService = `apiVersion: v1
kind: Service
metadata: {name: other}
spec:
  selector: {app: other}
  ports: [{name: http, port: 80, targetPort: 80}]
`;

const twoHostIngress = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: two-hosts}
spec:
  ingressClassName: k8ts
  rules:
  - host: web.example.test
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
  - host: other.example.test
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: other, port: {name: http}}}}]}
`;

const clientsOnly = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: other-from-clients}
spec:
  podSelector: {matchLabels: {app: other}}
  policyTypes: [Ingress]
  ingress: [{from: [{podSelector: {matchLabels: {role: client}}}]}]
`;

describe('Services, DNS, Ingress and NetworkPolicy on two containerd nodes', { skip, concurrency: false, timeout: 400_000 }, () => {
  let clusterIp = '';
  let nodeIp = '';

  before(async () => {
    prepareTestImages();
    ingressPort = await freePort();
    const httpsPort = await freePort();
    c = await startCluster({
      nodeNetworking: true,
      extraArgs: [
        '--runtime', 'containerd', '--node-name', SERVER_NODE, '--cluster-cidr', CLUSTER_CIDR,
        // Pods reach cluster DNS at the node's address, so it must not listen on loopback only.
        '--bind-address', '0.0.0.0',
        '--ingress-ports', `${ingressPort},${httpsPort}`,
      ],
    });
    agentDir = mkdtempSync(join(tmpdir(), 'k8ts-e2e-svc-agent-'));
    agent = await startContainerdAgent(c, { nodeName: AGENT_NODE, dataDir: agentDir, extraArgs: ['--cluster-cidr', CLUSTER_CIDR, '--cluster-dns', KUBE_DNS, ...AGENT_WITHOUT_NETWORKING] });
    await eventually(() => {
      const logs = cluster().logs();
      // Another k8ts node on this machine (an agent started without --disable proxy) would hold it.
      const refused = /(service proxy \((nftables|iptables)\)|network policy) not started: [^\n]*/.exec(logs);
      if (refused) throw new Error(refused[0]);
      return /service proxy running \((nftables|iptables) mode\)/.test(logs) && /network policy enforcement on node/.test(logs) ? true : undefined;
    }, 'the service proxy and network policy', 30_000);
    const nodes = await eventually(
      () => {
        const items = getJson<{ items: Node[] }>(['get', 'nodes']).items;
        return items.filter((n) => n.spec?.podCIDR && n.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')).length === 2 ? items : undefined;
      },
      'two Ready nodes',
      60_000,
    );
    nodeIp = nodes.find((n) => n.metadata?.name === SERVER_NODE)?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '';
    assert.ok(nodeIp, 'the server node has an InternalIP');
  });

  after(async () => {
    if (c) {
      k(['delete', 'services', 'web', 'web-np', 'other', '--ignore-not-found']);
      k(['delete', 'deployments,pods,ingresses,networkpolicies', '--all', '--grace-period=1', '--wait=true', '--timeout=60s']);
      const sockets = [nodeContainerdSocket(c.dataDir), ...(agentDir ? [nodeContainerdSocket(agentDir)] : [])];
      await eventually(() => (sockets.every((s) => runningTasks(s) === 0) ? true : undefined), 'all containers to stop', 60_000).catch(() => undefined);
    }
    await agent?.stop();
    await c?.stopKeepingData();
    // The server removes its rules on a clean stop; after a crash they are removed here.
    if (k8tsRulesLeft()) {
      const log = createLogger('services-e2e', { level: 'warn' });
      const runner = new IptablesRunner();
      await new NetpolWriter(runner).cleanup().catch(() => undefined);
      await new IptablesProxier(runner, {}, log).cleanup().catch(() => undefined);
      await new NftablesProxier(new NftRunner(), {}, log).cleanup().catch(() => undefined);
    }
    const nodes: (readonly [string, string])[] = [];
    if (c) nodes.push([c.dataDir, SERVER_NODE]);
    if (agentDir) nodes.push([agentDir, AGENT_NODE]);
    for (const [dataDir, node] of nodes) {
      const dir = join(dataDir, 'agent', 'runtime', 'containerd', 'containerd');
      killLeftoverShims(dir);
      await removeNodeContainerdFootprint({ dir, bridgeName: bridgeNameFor(node) });
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('kubectl expose: web, web.default.svc.cluster.local and the ClusterIP answer from a pod, over every replica', async () => {
    ok(k(['apply', '-f', manifestFile(cluster(), 'web.yaml', httpdDeployment('web', 3, spreadOverNodes))]), 'apply web');
    ok(k(['apply', '-f', manifestFile(cluster(), 'client.yaml', shellPod('client', 'role: client'))]), 'apply client');
    ok(k(['expose', 'deployment', 'web', '--port', '80']), 'expose web');
    clusterIp = serviceOf('web').spec?.clusterIP ?? '';
    assert.match(clusterIp, /^10\.43\./);
    const web = await eventually(() => {
      const pods = readyPods('app=web');
      return pods.length === 3 ? pods : undefined;
    }, 'three ready web pods', 120_000);
    const names = web.map((p) => p.metadata?.name ?? '').sort();
    const onNodes = new Set(web.map((p) => p.spec?.nodeName));
    assert.equal(onNodes.size, 2, `replicas spread over both nodes: ${[...onNodes].join(' ')}`);
    await eventually(() => (readyPods('role=client').length === 1 ? true : undefined), 'the client pod', 60_000);

    for (const url of ['http://web/', 'http://web.default.svc.cluster.local/', `http://${clusterIp}/`]) {
      const answer = await eventually(() => {
        const r = inPod('client', `timeout 3 wget -qO- ${url}`);
        return r.code === 0 ? r.stdout.trim() : undefined;
      }, `${url} from the client pod`, 20_000);
      assert.ok(names.includes(answer), `${url} answered "${answer}", not one of ${names.join(' ')}`);
    }

    const counts = countBy(requestsFrom('client', `http://${clusterIp}/`, 300));
    assert.equal(counts.get('FAIL'), undefined, `failed requests: ${JSON.stringify([...counts])}`);
    assert.deepEqual([...counts.keys()].sort(), names, `every replica answers: ${JSON.stringify([...counts])}`);
    process.stdout.write(`# 300 requests through ${clusterIp}: ${[...counts].map(([n, v]) => `${n}=${v}`).join(' ')}\n`);
  });

  test('scale to 1: only the remaining pod answers; scale back to 3: all answer again', async () => {
    ok(k(['scale', 'deployment', 'web', '--replicas=1']), 'scale to 1');
    const started = performance.now();
    // Requests from the host (its OUTPUT chain carries the same service rules) on fresh
    // connections until ten in a row come from one pod.
    const only = await eventually(async () => {
      const answers = new Set<string>();
      for (let i = 0; i < 10; i++) answers.add((await httpGet(clusterIp, 80, { timeoutMs: 2000 }).catch(() => ({ body: 'FAIL' }))).body);
      const [one] = answers;
      return answers.size === 1 && one !== 'FAIL' ? one : undefined;
    }, 'one pod answering alone', 30_000);
    process.stdout.write(`# scale 3 → 1: traffic followed in ${Math.round(performance.now() - started)} ms\n`);
    const left = await eventually(() => {
      const pods = readyPods('app=web');
      return pods.length === 1 ? pods : undefined;
    }, 'one web pod', 30_000);
    assert.equal(only, left[0]?.metadata?.name);

    ok(k(['scale', 'deployment', 'web', '--replicas=3']), 'scale to 3');
    const three = await eventually(() => {
      const pods = readyPods('app=web');
      return pods.length === 3 ? pods.map((p) => p.metadata?.name ?? '').sort() : undefined;
    }, 'three ready web pods again', 90_000);
    await eventually(() => {
      const seen = countBy(requestsFrom('client', `http://${clusterIp}/`, 60));
      return three.every((n) => seen.has(n)) && !seen.has('FAIL') ? true : undefined;
    }, 'all three replicas answering', 30_000);
  });

  test('a rolling update with readiness probes: no request fails', async () => {
    const before = readyPods('app=web').map((p) => p.metadata?.name ?? '');
    // A request loop in the client pod until told to stop (a file), capped in count.
    const loop = kubectlAsync(['exec', 'client', '--', 'sh', '-c', `rm -f /tmp/stop; i=0; while [ ! -f /tmp/stop ] && [ $i -lt 4000 ]; do i=$((i+1)); timeout 3 wget -qO- http://${clusterIp}/ || echo FAIL; done`], 150_000);
    await new Promise((r) => setTimeout(r, 1000));
    ok(k(['set', 'env', 'deployment/web', 'VERSION=2']), 'set env');
    ok(k(['rollout', 'status', 'deployment/web', '--timeout=120s']), 'rollout status');
    const afterRollout = await eventually(() => {
      const pods = readyPods('app=web');
      return pods.length === 3 && pods.every((p) => !before.includes(p.metadata?.name ?? '')) ? pods.map((p) => p.metadata?.name ?? '') : undefined;
    }, 'three new web pods', 60_000);
    // Let the loop reach the new pods for a moment, then stop it.
    await new Promise((r) => setTimeout(r, 1500));
    inPod('client', 'touch /tmp/stop');
    const r = await loop;
    const answers = r.stdout.split('\n').filter((l) => l.trim() !== '');
    const counts = countBy(answers);
    process.stdout.write(`# rolling update: ${answers.length} requests, ${counts.get('FAIL') ?? 0} failed\n`);
    assert.equal(counts.get('FAIL') ?? 0, 0, `failed requests during the rollout: ${JSON.stringify([...counts])}\n${r.stderr}`);
    assert.ok(before.some((n) => counts.has(n)), `the loop reached an old pod: ${JSON.stringify([...counts])}`);
    assert.ok(afterRollout.some((n) => counts.has(n)), `the loop reached a new pod: ${JSON.stringify([...counts])}`);
  });

  test('a NodePort answers on the node address from the host', async () => {
    ok(k(['apply', '-f', manifestFile(cluster(), 'web-np.yaml', nodePortService)]), 'apply web-np');
    const nodePort = serviceOf('web-np').spec?.ports?.[0]?.nodePort ?? 0;
    assert.ok(nodePort >= 30000 && nodePort <= 32767, `node port ${nodePort}`);
    const names = readyPods('app=web').map((p) => p.metadata?.name ?? '');
    const answer = await eventually(() => httpGet(nodeIp, nodePort).then((r) => r.body, () => undefined), `http://${nodeIp}:${nodePort}/`, 20_000);
    assert.ok(names.includes(answer), `node port answered "${answer}", not one of ${names.join(' ')}`);
  });

  test('dig @kube-dns ClusterIP from the host: A for the Service, SRV for its named port', async () => {
    // The host reaches the kube-dns ClusterIP through the proxy's OUTPUT rules (DNAT to the
    // DNS server on the node's address), as a pod reaches it through PREROUTING.
    const dig = (...q: string[]): string => {
      const r = spawnSync('dig', [`@${KUBE_DNS}`, '+short', '+time=2', '+tries=2', ...q], { encoding: 'utf8', timeout: 15_000 });
      return r.status === 0 ? r.stdout.trim() : '';
    };
    const a = await eventually(() => dig('web.default.svc.cluster.local', 'A') || undefined, 'an A answer', 20_000);
    assert.equal(a, clusterIp);
    const npIp = serviceOf('web-np').spec?.clusterIP ?? '';
    const srv = await eventually(() => dig('_http._tcp.web-np.default.svc.cluster.local', 'SRV') || undefined, 'an SRV answer', 20_000);
    assert.match(srv, /^\d+ \d+ 80 web-np\.default\.svc\.cluster\.local\.$/);
    assert.equal(dig('web-np.default.svc.cluster.local', 'A'), npIp);
  });

  test('an Ingress routes two hosts to two Services', async () => {
    ok(k(['apply', '-f', manifestFile(cluster(), 'other.yaml', httpdDeployment('other', 1, `      nodeSelector: {kubernetes.io/hostname: ${SERVER_NODE}}\n`))]), 'apply other');
    ok(k(['apply', '-f', manifestFile(cluster(), 'other-svc.yaml', otherService)]), 'apply other service');
    const other = await eventually(() => {
      const pods = readyPods('app=other');
      return pods.length === 1 ? pods[0]?.metadata?.name : undefined;
    }, 'the other pod', 60_000);
    ok(k(['apply', '-f', manifestFile(cluster(), 'ingress.yaml', twoHostIngress)]), 'apply ingress');
    const webPods = readyPods('app=web').map((p) => p.metadata?.name ?? '');
    const via = (host: string): Promise<string | undefined> => httpGet('127.0.0.1', ingressPort, { hostHeader: host }).then((r) => (r.status === 200 ? r.body : undefined), () => undefined);
    const w = await eventually(() => via('web.example.test'), 'web through the ingress', 20_000);
    assert.ok(webPods.includes(w), `web.example.test answered "${w}"`);
    assert.equal(await eventually(() => via('other.example.test'), 'other through the ingress', 20_000), other);
    const unknown = await httpGet('127.0.0.1', ingressPort, { hostHeader: 'nobody.example.test' });
    assert.equal(unknown.status, 404);
    const status = await eventually(() => getJson<{ status?: { loadBalancer?: { ingress?: { ip?: string }[] } } }>(['get', 'ingress', 'two-hosts']).status?.loadBalancer?.ingress?.[0]?.ip, 'the Ingress address', 20_000);
    assert.equal(status, nodeIp);
  });

  test('a NetworkPolicy denies pods without the allowed label and allows the rest', async () => {
    ok(k(['apply', '-f', manifestFile(cluster(), 'intruder.yaml', shellPod('intruder', 'role: other'))]), 'apply intruder');
    await eventually(() => (readyPods('role=other').length === 1 ? true : undefined), 'the intruder pod', 60_000);
    const otherIp = readyPods('app=other')[0]?.status?.podIP ?? '';
    const reaches = (pod: string, url: string): boolean => inPod(pod, `timeout 3 wget -qO- ${url}`).code === 0;
    // Before the policy everyone reaches the protected pod.
    await eventually(() => (reaches('intruder', `http://${otherIp}/`) ? true : undefined), 'intruder → other before the policy', 20_000);

    ok(k(['apply', '-f', manifestFile(cluster(), 'netpol.yaml', clientsOnly)]), 'apply policy');
    await eventually(() => (reaches('intruder', `http://${otherIp}/`) ? undefined : true), 'the policy to deny intruder → other', 20_000);
    assert.equal(reaches('intruder', 'http://other/'), false, 'intruder → other through its ClusterIP is denied too');
    assert.equal(reaches('client', `http://${otherIp}/`), true, 'client → other is allowed');
    assert.equal(reaches('client', 'http://other/'), true, 'client → other through its ClusterIP is allowed');
    assert.equal(reaches('intruder', 'http://web/'), true, 'intruder → web (no policy) is allowed');
  });

  test('deleting a Service removes its rules: the ClusterIP stops answering', async () => {
    // iptables: "-d <ip>/32"; nftables: a map element "<ip> . tcp . 80".
    const clusterIpRule = new RegExp(`${clusterIp.replace(/\./g, '\\.')}(/32| \\. )`);
    assert.match(proxyRules(), clusterIpRule);
    const webPods = readyPods('app=web').map((p) => p.metadata?.name ?? '');
    ok(k(['delete', 'service', 'web']), 'delete web');
    await eventually(
      () => {
        const rules = proxyRules();
        return !clusterIpRule.test(rules) && !/"default\/web[ "]|default\/web\//.test(rules) ? true : undefined;
      },
      'the rules of default/web to go',
      10_000,
    );
    // Without rules the address is just routed off the machine: whatever answers there (or
    // nothing), it is no longer a web pod.
    const r = await httpGet(clusterIp, 80, { timeoutMs: 1500 }).then(
      (x) => x.body,
      (err: unknown) => (err instanceof Error ? err.message : String(err)),
    );
    assert.ok(!webPods.includes(r), `the deleted Service's ClusterIP still reaches a web pod: ${r}`);
    assert.equal(inPod('client', `timeout 3 wget -qO- http://${clusterIp}/`).code === 0, false, 'a pod no longer reaches the deleted ClusterIP');
    // The other Services keep their rules.
    assert.match(proxyRules(), /default\/web-np(:http|\/tcp\/http)/);
  });
});
