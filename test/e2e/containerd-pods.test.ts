// Real containers end to end: `k8ts server --runtime containerd` (its own containerd, bridge
// and podCIDR) driven by real kubectl — a Deployment answering HTTP on its pod IPs, exec with a
// TTY, logs -f, port-forward, OOMKilled, a killed main process, a missing image, `k8ts images`,
// securityContext (user, groups, no_new_privs, read-only root, capabilities, privileged,
// seccomp, runAsNonRoot), a safe and an unsafe sysctl, a hostNetwork pod, kubectl debug,
// termination messages, and a server restart that leaves the containers running. Needs root, containerd, runc and the CNI plugins (scripts/install-containerd.sh); the
// offline images come from scripts/images/build-images.sh, pushed to the local registry that
// mirrors docker.io.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { nodeContainerdSocket } from '../../src/cli/images.js';
import { removeNodeContainerdFootprint } from '../../src/containerd/cleanup.js';
import { bridgeNameFor } from '../../src/containerd/config.js';
import { eventually, KUBECTL_DIR, manifestFile, startCluster, type KubectlResult, type TestCluster } from './cluster.js';
import { containerdSkipReason, httpGet, killLeftoverShims, prepareTestImages, runningTasks } from './containerd-node.js';

const root = new URL('../../', import.meta.url).pathname;
const skip = containerdSkipReason();

const NODE = `e2e-ctrd-${process.pid}`;
const SERVER_ARGS = ['--runtime', 'containerd', '--node-name', NODE, '--cluster-cidr', '10.77.0.0/16'];
const REGISTRY = '127.0.0.1:5000';

let c: TestCluster;

function k(args: readonly string[], version = '1.33'): KubectlResult {
  return c.kubectl(version, args);
}

function ok(r: KubectlResult, what: string): string {
  assert.equal(r.code, 0, `${what} failed (${r.code}): ${r.stderr}\n${c.logs().slice(-3000)}`);
  return r.stdout;
}

function pods(selector: string): Pod[] {
  const out = ok(k(['get', 'pods', '-l', selector, '-o', 'json']), `get pods -l ${selector}`);
  return (JSON.parse(out) as { items: Pod[] }).items;
}

function pod(name: string): Pod {
  return JSON.parse(ok(k(['get', 'pod', name, '-o', 'json']), `get pod ${name}`)) as Pod;
}

/** Starts a long-running kubectl; `lines` collects its stdout+stderr. */
function kubectlProcess(version: string, args: readonly string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(join(KUBECTL_DIR, `kubectl.${version}`), ['--kubeconfig', c.kubeconfig, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

function socket(): string {
  return nodeContainerdSocket(c.dataDir);
}

/** PID on the host of a running container's main process, from containerd's task list. */
function hostPid(containerId: string): number | undefined {
  const out = execFileSync('ctr', ['--address', socket(), '--namespace', 'k8s.io', 'tasks', 'ls'], { encoding: 'utf8' });
  for (const line of out.split('\n').slice(1)) {
    const [id, pid, status] = line.trim().split(/\s+/);
    if (id === containerId && status === 'RUNNING') return Number(pid);
  }
  return undefined;
}

function runImages(args: readonly string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', `import('./src/cli/images.ts').then((m) => m.runImages(${JSON.stringify(args)})).then((code) => process.exit(code))`], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: httpd
        image: busybox
        command: [busybox, httpd, -f, -p, "80", -h, /etc]
`;

const pod1 = (name: string, command: string, extra = ''): string => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {test: ${name}}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:1.35
    command: [sh, -c, '${command}']
${extra}`;

const SECURE = `apiVersion: v1
kind: Pod
metadata: {name: secure}
spec:
  restartPolicy: Never
  securityContext: {runAsUser: 1001, runAsGroup: 2002, fsGroup: 3003, supplementalGroups: [4004], sysctls: [{name: kernel.shm_rmid_forced, value: "1"}], seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: main
    image: busybox:1.35
    command: [sh, -c, 'id -u; id -G; grep -E "^(NoNewPrivs|CapEff|Seccomp):" /proc/self/status; cat /proc/sys/kernel/shm_rmid_forced; { echo x > /file; } 2>/dev/null && echo writable || echo read-only']
    securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
  - name: nobody
    image: busybox:1.35
    command: [id, -u]
    securityContext: {runAsUser: 65534, runAsNonRoot: true}
  - name: priv
    image: busybox:1.35
    command: [sh, -c, 'ip link add k8ts-v0 type veth peer name k8ts-v1 && echo created']
    securityContext: {runAsUser: 0, privileged: true}
`;

const HOSTNET = `apiVersion: v1
kind: Pod
metadata: {name: hostnet}
spec:
  hostNetwork: true
  restartPolicy: Never
  containers: [{name: main, image: busybox:1.35, command: [hostname]}]
`;

/** runAsNonRoot without runAsUser, and busybox runs as root: the kubelet must refuse to start it. */
const ROOT_IMAGE = `apiVersion: v1
kind: Pod
metadata: {name: root-image}
spec:
  securityContext: {runAsNonRoot: true}
  containers: [{name: main, image: busybox:1.35, command: [sleep, "3600"]}]
`;

const UNSAFE_SYSCTL = `apiVersion: v1
kind: Pod
metadata: {name: unsafe-sysctl}
spec:
  securityContext: {sysctls: [{name: kernel.shmmax, value: "100000"}]}
  containers: [{name: main, image: busybox:1.35, command: [sleep, "3600"]}]
`;

describe('containerd runtime, end to end', { skip, concurrency: false, timeout: 600_000 }, () => {
  before(async () => {
    prepareTestImages(REGISTRY);
    c = await startCluster({ extraArgs: SERVER_ARGS });
    await eventually(() => (k(['get', 'node', NODE, '-o', 'jsonpath={.spec.podCIDR}']).stdout || undefined), 'the podCIDR', 20_000);
  });

  after(async () => {
    if (!c) return;
    k(['delete', 'deployment', '--all', '--wait=false']);
    k(['delete', 'pods', '--all', '--grace-period=1', '--wait=true', '--timeout=60s']);
    await eventually(() => (runningTasks(socket()) === 0 ? true : undefined), 'all containers to stop', 60_000).catch(() => undefined);
    await c.stopKeepingData();
    const dir = join(c.dataDir, 'agent', 'runtime', 'containerd', 'containerd');
    killLeftoverShims(dir);
    await removeNodeContainerdFootprint({ dir, bridgeName: bridgeNameFor(NODE) });
    rmSync(c.dataDir, { recursive: true, force: true });
  });

  test('a 3-replica busybox httpd Deployment runs with distinct pod IPs, reachable from the host and from pods', async () => {
    ok(k(['apply', '-f', manifestFile(c, 'web.yaml', WEB)]), 'apply');
    const running = await eventually(
      () => {
        const ps = pods('app=web');
        return ps.length === 3 && ps.every((p) => p.status?.phase === 'Running' && p.status.podIP) ? ps : undefined;
      },
      '3 running web pods',
      120_000,
    );
    const ips = running.map((p) => p.status?.podIP ?? '');
    assert.equal(new Set(ips).size, 3, `distinct pod IPs: ${ips.join(' ')}`);
    for (const ip of ips) assert.match(ip, /^10\.77\.\d+\.\d+$/);
    for (const p of running) {
      // httpd serves /etc, whose hostname file is the pod's name.
      assert.equal((await httpGet(`http://${p.status?.podIP ?? ''}/hostname`)).trim(), p.metadata?.name);
    }
    const [a, b] = running;
    const fromPod = ok(k(['exec', a?.metadata?.name ?? '', '--', 'sh', '-c', `timeout 5 wget -qO- http://${b?.status?.podIP ?? ''}/hostname`]), 'exec wget');
    assert.equal(fromPod.trim(), b?.metadata?.name);
  });

  for (const version of ['1.33', '1.27']) {
    test(`kubectl ${version} exec -it gives a terminal`, () => {
      const name = pods('app=web')[0]?.metadata?.name ?? '';
      const cmd = `${join(KUBECTL_DIR, `kubectl.${version}`)} --kubeconfig ${c.kubeconfig} exec -it ${name} -- sh -c 'echo "tty=$(tty)"; exit 3'`;
      const r = spawnSync('script', ['-qfec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 30_000 });
      assert.match(r.stdout, /tty=\/dev\/pts\/\d+/, r.stdout + r.stderr);
      assert.equal(r.status, 3, 'the exit code of the command comes back');
    });

    test(`kubectl ${version} port-forward reaches the pod's port`, async () => {
      const name = pods('app=web')[0]?.metadata?.name ?? '';
      const pf = kubectlProcess(version, ['port-forward', `pod/${name}`, ':80']);
      try {
        const port = await eventually(() => /Forwarding from 127\.0\.0\.1:(\d+)/.exec(pf.output())?.[1], 'port-forward to listen', 20_000);
        assert.equal((await httpGet(`http://127.0.0.1:${port}/hostname`)).trim(), name);
      } finally {
        pf.child.kill();
      }
    });
  }

  test('kubectl logs -f follows the container output', async () => {
    ok(k(['apply', '-f', manifestFile(c, 'ticker.yaml', pod1('ticker', 'i=0; while true; do echo tick-$i; i=$((i+1)); sleep 0.2; done'))]), 'apply ticker');
    await eventually(() => (pod('ticker').status?.phase === 'Running' ? true : undefined), 'ticker running', 60_000);
    const logs = kubectlProcess('1.33', ['logs', '-f', 'ticker']);
    const last = (): number => Number([...logs.output().matchAll(/tick-(\d+)\n/g)].at(-1)?.[1] ?? -1);
    try {
      const first = await eventually(() => (last() >= 0 ? last() : undefined), 'the first lines', 20_000);
      // Lines written after kubectl attached arrive too: the stream follows.
      await eventually(() => (last() >= first + 5 ? true : undefined), 'followed lines', 20_000);
    } finally {
      logs.child.kill();
    }
    assert.match(logs.output(), /^tick-0\ntick-1\n/);
  });

  test('a container allocating past its memory limit is OOMKilled and restarted', async () => {
    const extra = '    resources: {limits: {memory: 32Mi}}\n';
    ok(k(['apply', '-f', manifestFile(c, 'hog.yaml', pod1('hog', 'echo start; x=$(head -c 200000000 /dev/zero | tr "\\0" a); sleep 3600', extra))]), 'apply hog');
    const st = await eventually(
      () => {
        const s = pod('hog').status?.containerStatuses?.[0];
        return s && (s.restartCount ?? 0) >= 1 && s.lastState?.terminated ? s : undefined;
      },
      'hog restarted',
      60_000,
    );
    assert.equal(st.lastState?.terminated?.reason, 'OOMKilled');
    assert.equal(st.lastState?.terminated?.exitCode, 137);
  });

  test('killing the main process on the host restarts the container', async () => {
    ok(k(['apply', '-f', manifestFile(c, 'sleeper.yaml', pod1('sleeper', 'sleep 3600'))]), 'apply sleeper');
    const before = await eventually(
      () => {
        const s = pod('sleeper').status?.containerStatuses?.[0];
        return s?.state?.running && s.containerID ? s : undefined;
      },
      'sleeper running',
      60_000,
    );
    const id = (before.containerID ?? '').replace('containerd://', '');
    const pid = hostPid(id);
    assert.ok(pid, `host pid of ${id}`);
    process.kill(pid, 'SIGKILL');
    const afterKill = await eventually(
      () => {
        const s = pod('sleeper').status?.containerStatuses?.[0];
        return s?.state?.running && s.restartCount === 1 ? s : undefined;
      },
      'sleeper restarted',
      10_000,
    );
    assert.notEqual(afterKill.containerID, before.containerID);
    assert.equal(afterKill.lastState?.terminated?.exitCode, 137);
  });

  test('an image that does not exist: ErrImagePull, then ImagePullBackOff, with events', async () => {
    const seen = new Set<string>();
    const w = c.watch('/api/v1/namespaces/default/pods?watch=true&fieldSelector=metadata.name%3Dnope', (e) => {
      const reason = (e.object as Pod).status?.containerStatuses?.[0]?.state?.waiting?.reason;
      if (reason) seen.add(reason);
    });
    try {
      ok(k(['run', 'nope', `--image=${REGISTRY}/k8ts-e2e/does-not-exist:1.0`]), 'run nope');
      await eventually(() => (seen.has('ErrImagePull') && seen.has('ImagePullBackOff') ? true : undefined), `ErrImagePull and ImagePullBackOff (seen: ${[...seen].join(', ')})`, 60_000);
    } finally {
      w.close();
    }
    const events = ok(k(['get', 'events', '--field-selector', 'involvedObject.name=nope', '-o', 'custom-columns=REASON:.reason,MESSAGE:.message', '--no-headers']), 'get events');
    assert.match(events, /Failed\s+Failed to pull image/);
    assert.match(events, /Failed\s+Error: ErrImagePull/);
    assert.match(events, /BackOff\s+Back-off pulling image/);
  });

  test('securityContext and a safe sysctl reach the container; hostNetwork pods start; unsafe sysctls are refused', async () => {
    ok(k(['apply', '-f', manifestFile(c, 'secure.yaml', SECURE)]), 'apply secure');
    ok(k(['apply', '-f', manifestFile(c, 'hostnet.yaml', HOSTNET)]), 'apply hostnet');
    ok(k(['apply', '-f', manifestFile(c, 'unsafe-sysctl.yaml', UNSAFE_SYSCTL)]), 'apply unsafe-sysctl');
    ok(k(['apply', '-f', manifestFile(c, 'root-image.yaml', ROOT_IMAGE)]), 'apply root-image');
    for (const name of ['secure', 'hostnet']) await eventually(() => (pod(name).status?.phase === 'Succeeded' ? true : undefined), `${name} to succeed`, 60_000);
    assert.match(ok(k(['logs', 'secure', '-c', 'main']), 'logs secure'), /^1001\n2002 (.* )?3003 4004\nCapEff:\s+0+\nNoNewPrivs:\s+1\nSeccomp:\s+2\n1\nread-only\n$/);
    assert.equal(ok(k(['logs', 'secure', '-c', 'nobody']), 'logs nobody'), '65534\n');
    assert.equal(ok(k(['logs', 'secure', '-c', 'priv']), 'logs priv'), 'created\n');
    assert.equal(ok(k(['logs', 'hostnet']), 'logs hostnet').trim(), hostname());
    const rejected = await eventually(() => (pod('unsafe-sysctl').status?.phase === 'Failed' ? pod('unsafe-sysctl').status : undefined), 'unsafe-sysctl rejected', 30_000);
    assert.equal(rejected?.reason, 'SysctlForbidden');
    const configError = (): { reason?: string; message?: string } | undefined => {
      const w = pod('root-image').status?.containerStatuses?.[0]?.state?.waiting;
      return w?.reason === 'CreateContainerConfigError' ? w : undefined;
    };
    const waiting = await eventually(configError, 'root-image refused (CreateContainerConfigError)', 30_000);
    assert.match(waiting?.message ?? '', /^container has runAsNonRoot and image will run as root \(pod: "root-image_default\(.*\)", container: main\)$/);
  });

  test('kubectl debug adds an ephemeral container that sees its target container\'s processes', async () => {
    ok(k(['run', 'debuggee', '--image=busybox:1.35', '--restart=Never', '--', 'sleep', '3600']), 'run debuggee');
    await eventually(() => (pod('debuggee').status?.phase === 'Running' ? true : undefined), 'debuggee running', 60_000);
    ok(k(['debug', 'debuggee', '--image=busybox:1.35', '-c', 'dbg', '--target=debuggee', '--', 'sleep', '600']), 'kubectl debug');
    const status = await eventually(() => pod('debuggee').status?.ephemeralContainerStatuses?.find((s) => s.name === 'dbg' && s.state?.running), 'dbg running', 60_000);
    assert.equal(status?.restartCount, 0);
    const ps = ok(k(['exec', 'debuggee', '-c', 'dbg', '--', 'ps', '-o', 'args']), 'ps in dbg');
    assert.match(ps, /^sleep 3600$/m, "the target's process is in the ephemeral container's PID namespace");
    assert.match(ps, /^sleep 600$/m);
  });

  test('termination messages: from the file (any path, any user), from the log on failure, none on success', async () => {
    const c1 = (name: string, script: string, extra = ', terminationMessagePolicy: FallbackToLogsOnError'): string =>
      `  - {name: ${name}, image: busybox:1.35, command: [sh, -c, '${script}']${extra}}\n`;
    const manifest = `apiVersion: v1\nkind: Pod\nmetadata: {name: term-msg}\nspec:\n  restartPolicy: Never\n  containers:\n${[
      c1('ok', 'echo -n OK > /dev/termination-log'),
      c1('file', 'echo -n text > /dev/termination-log; exit 1', ''),
      c1('logs', 'echo -n DONE; exit 1'),
      c1('custom', 'echo -n DONE > /dev/termination-custom-log-path', ', terminationMessagePolicy: FallbackToLogsOnError, terminationMessagePath: /dev/termination-custom-log-path, securityContext: {runAsUser: 1000}'),
      c1('quiet', 'echo not-a-message'),
    ].join('')}`;
    ok(k(['apply', '-f', manifestFile(c, 'term-msg.yaml', manifest)]), 'apply term-msg');
    const statuses = await eventually(() => {
      const s = pod('term-msg').status?.containerStatuses ?? [];
      return s.length === 5 && s.every((x) => x.state?.terminated) ? s : undefined;
    }, 'all term-msg containers to finish', 60_000);
    const message = (name: string): string | undefined => statuses.find((x) => x.name === name)?.state?.terminated?.message;
    assert.deepEqual(['ok', 'file', 'logs', 'custom', 'quiet'].map(message), ['OK', 'text', 'DONE', 'DONE', undefined]);
  });

  test('k8ts images ls and import work on the node containerd', () => {
    const ls = runImages(['ls', '--data-dir', c.dataDir]);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /^IMAGE\s+TAG\s+IMAGE ID\s+SIZE$/m);
    assert.match(ls.stdout, /^docker\.io\/library\/busybox\s+1\.35\s/m);
    assert.match(ls.stdout, /^registry\.k8s\.io\/pause\s+3\.9\s/m);
    const archive = '/var/cache/k8ts/images/busybox.tar';
    const imp = runImages(['import', '--data-dir', c.dataDir, archive]);
    assert.equal(imp.code, 0, imp.stderr);
    assert.match(imp.stdout, /imported docker\.io\/library\/busybox:1\.35/);
    const missing = runImages(['import', '--data-dir', c.dataDir, '/nonexistent.tar']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no such file/);
  });

  test('restarting the server keeps the containers running', async () => {
    const ids = (): string[] =>
      pods('app=web')
        .map((p) => `${p.metadata?.name ?? ''} ${p.status?.containerStatuses?.[0]?.containerID ?? ''} ${p.status?.containerStatuses?.[0]?.restartCount ?? -1}`)
        .sort();
    const beforeRestart = ids();
    assert.equal(beforeRestart.length, 3);
    const dataDir = c.dataDir;
    await c.stopKeepingData();
    const web = beforeRestart.map((l) => l.split(' ')[1]?.replace('containerd://', '') ?? '');
    c = await startCluster({ dataDir, extraArgs: SERVER_ARGS });
    for (const id of web) assert.ok(hostPid(id), `container ${id} still running`);
    await eventually(() => (pods('app=web').every((p) => p.status?.containerStatuses?.[0]?.ready) ? true : undefined), 'web ready after restart', 30_000);
    // Nothing to wait for when nothing changes: watch for a few kubelet relists (200 ms each)
    // that the adopted containers are not replaced or counted as restarts.
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual(ids(), beforeRestart);
    for (const p of pods('app=web')) assert.equal((await httpGet(`http://${p.status?.podIP ?? ''}/hostname`)).trim(), p.metadata?.name);
  });
});
