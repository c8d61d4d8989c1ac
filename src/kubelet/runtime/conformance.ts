// The behaviour every ContainerRuntime must show, as one node:test suite. Each runtime's test
// file calls runRuntimeConformance with a factory that opens a fresh runtime (own state
// directory) and with its capabilities. What a container *does* is described abstractly as a
// Workload; each runtime translates it (a shell command for runtimes with real processes,
// annotations for the simulated one), so the same assertions hold for all of them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCriLine, type ParsedCriLine } from './cri-log.js';
import {
  containerConfig,
  NotFoundError,
  type ContainerConfig,
  type ContainerRuntime,
  type ContainerStatus,
  type SandboxConfig,
  type StreamSession,
} from './runtime.js';

/** What a test container does. */
export type Workload =
  /**
   * Runs until stopped. On SIGTERM: exits with `termExitCode`, or ignores it ('ignore').
   * Writes the line "ready" to stdout once its signal handling is in place.
   */
  | { kind: 'sleep'; onTerm: { termExitCode: number } | 'ignore' }
  /** Exits by itself with `exitCode` after about `afterMs`. */
  | { kind: 'exit'; exitCode: number; afterMs: number }
  /** Writes the texts verbatim to stdout and stderr, then exits 0. */
  | { kind: 'print'; stdout: string; stderr: string }
  /** Copies stdin to stdout until stdin ends (needs real processes). */
  | { kind: 'cat' }
  /** Accepts TCP connections on 127.0.0.1:`port` and answers each with `reply` (real processes). */
  | { kind: 'listen'; port: number; reply: string };

export interface WorkloadSpec {
  command: string[];
  args: string[];
  annotations: Record<string, string>;
}

export interface RuntimeCapabilities<H extends OpenedRuntime> {
  /** Containers are real processes: env, command, args and workingDir are observable. */
  realProcesses: boolean;
  /** Mounts are visible at their containerPath. */
  mounts: boolean;
  /** exec with tty gives the process a terminal. */
  tty: boolean;
  /** portForward reaches a port a container listens on. */
  portForward: boolean;
  /** Image name used for test containers. */
  image: string;
  workload(w: Workload): WorkloadSpec;
  /**
   * For runtimes that keep state on disk: a new runtime over the same state as `handle`, called
   * after `handle.runtime` was closed. Enables the restart test.
   */
  reopen?: (handle: H) => Promise<ContainerRuntime>;
}

export interface OpenedRuntime {
  runtime: ContainerRuntime;
  /** Stops whatever the tests left running and removes the runtime's state. */
  cleanup(): Promise<void>;
}

const dec = (b: Uint8Array): string => Buffer.from(b).toString('utf8');
const enc = (s: string): Uint8Array => Buffer.from(s, 'utf8');

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const addr = srv.address();
  await new Promise<void>((r) => srv.close(() => r()));
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

interface TestContext {
  rt: ContainerRuntime;
  /** A scratch directory removed after the test (log directories live here). */
  dir: string;
  sandbox(name: string, overrides?: Partial<SandboxConfig>): Promise<{ id: string; config: SandboxConfig }>;
  container(
    sandbox: { id: string; config: SandboxConfig },
    name: string,
    workload: Workload | WorkloadSpec,
    overrides?: Partial<ContainerConfig>,
  ): Promise<string>;
  /** Creates and starts. */
  run(
    sandbox: { id: string; config: SandboxConfig },
    name: string,
    workload: Workload | WorkloadSpec,
    overrides?: Partial<ContainerConfig>,
  ): Promise<string>;
  waitState(id: string, state: ContainerStatus['state']): Promise<ContainerStatus>;
  /** Waits for a 'sleep' workload's "ready" line: its SIGTERM handling is in place. */
  waitReady(id: string): Promise<void>;
  logLines(id: string): Promise<ParsedCriLine[]>;
}

export function runRuntimeConformance<H extends OpenedRuntime>(
  name: string,
  open: () => Promise<H>,
  caps: RuntimeCapabilities<H>,
): void {
  const makeContext = (rt: ContainerRuntime, dir: string, label: string): TestContext => {
    const toSpec = (w: Workload | WorkloadSpec): WorkloadSpec => ('kind' in w ? caps.workload(w) : w);
    const ctx: TestContext = {
      rt,
      dir,
      async sandbox(podName, overrides = {}) {
        const uid = `uid-${podName}-${Math.random().toString(16).slice(2, 10)}`;
        const config: SandboxConfig = {
          name: podName,
          namespace: 'conformance',
          uid,
          attempt: 0,
          hostname: podName,
          logDirectory: join(dir, 'logs', `conformance_${podName}_${uid}`),
          portMappings: [],
          hostNetwork: false,
          labels: { 'io.kubernetes.pod.name': podName, suite: label },
          annotations: { note: 'conformance' },
          ...overrides,
        };
        await mkdir(config.logDirectory, { recursive: true });
        return { id: await rt.runPodSandbox(config), config };
      },
      async container(sb, cname, workload, overrides = {}) {
        const spec = toSpec(workload);
        await rt.pullImage(caps.image);
        const config = containerConfig(cname, caps.image, spec.command, {
          args: spec.args,
          labels: { 'io.kubernetes.container.name': cname },
          annotations: { ...spec.annotations },
          ...overrides,
        });
        return rt.createContainer(sb.id, config, sb.config);
      },
      async run(sb, cname, workload, overrides) {
        const id = await ctx.container(sb, cname, workload, overrides);
        await rt.startContainer(id);
        return id;
      },
      waitState: (id, state) =>
        waitFor(`container ${id} ${state}`, async () => {
          const s = await rt.containerStatus(id);
          return s.state === state ? s : undefined;
        }),
      async waitReady(id) {
        await waitFor(`container ${id} ready`, async () =>
          (await ctx.logLines(id)).some((l) => l.stream === 'stdout' && l.content === 'ready') ? true : undefined,
        );
      },
      async logLines(id) {
        const s = await rt.containerStatus(id);
        const text = await readFile(s.logPath, 'utf8').catch(() => '');
        return text
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => {
            const p = parseCriLine(l);
            assert.ok(p, `not a CRI log line: ${JSON.stringify(l.slice(0, 80))}`);
            return p;
          });
      },
    };
    return ctx;
  };

  const withRuntime = async (body: (ctx: TestContext, handle: H) => Promise<void>): Promise<void> => {
    const handle = await open();
    const dir = await mkdtemp(join(tmpdir(), 'k8ts-rtconf-'));
    try {
      await body(makeContext(handle.runtime, dir, name), handle);
    } finally {
      await handle.runtime.close();
      await handle.cleanup();
      await rm(dir, { recursive: true, force: true });
    }
  };

  /** The text of one stream, joining P records to the record that follows. */
  const streamText = (lines: ParsedCriLine[], stream: 'stdout' | 'stderr'): string =>
    lines
      .filter((l) => l.stream === stream)
      .map((l) => (l.tag === 'F' ? `${l.content}\n` : l.content))
      .join('');

  const collect = (session: StreamSession): { stdout: () => string; stderr: () => string } => {
    let out = '';
    let err = '';
    session.onStdout((d) => (out += dec(d)));
    session.onStderr((d) => (err += dec(d)));
    return { stdout: () => out, stderr: () => err };
  };

  describe(`runtime conformance: ${name}`, () => {
    test('version names the runtime', () =>
      withRuntime(async ({ rt }) => {
        const v = await rt.version();
        assert.ok(v.runtimeName.length > 0);
        assert.ok(v.runtimeVersion.length > 0);
        assert.ok(rt.name.length > 0);
      }));

    test('sandbox lifecycle: run → ready → stop → notready → remove → NotFound', () =>
      withRuntime(async (ctx) => {
        const { rt } = ctx;
        const sb = await ctx.sandbox('lifecycle');
        const s = await rt.podSandboxStatus(sb.id);
        assert.equal(s.id, sb.id);
        assert.equal(s.state, 'ready');
        assert.equal(s.name, 'lifecycle');
        assert.equal(s.namespace, 'conformance');
        assert.equal(s.uid, sb.config.uid);
        assert.equal(s.attempt, 0);
        assert.equal(s.labels['io.kubernetes.pod.name'], 'lifecycle');
        assert.equal(s.annotations['note'], 'conformance');
        assert.ok(s.createdAt > 0);
        assert.ok((await rt.listPodSandboxes()).some((x) => x.id === sb.id));

        await rt.stopPodSandbox(sb.id);
        assert.equal((await rt.podSandboxStatus(sb.id)).state, 'notready');
        await rt.stopPodSandbox(sb.id);

        await rt.removePodSandbox(sb.id);
        await assert.rejects(rt.podSandboxStatus(sb.id), NotFoundError);
        assert.ok(!(await rt.listPodSandboxes()).some((x) => x.id === sb.id));
        await rt.removePodSandbox(sb.id);
        await rt.stopPodSandbox(sb.id);
      }));

    test('container lifecycle: created → running → exited with code, reason and times', () =>
      withRuntime(async (ctx) => {
        const { rt } = ctx;
        const sb = await ctx.sandbox('exits');
        const okId = await ctx.container(sb, 'ok', { kind: 'exit', exitCode: 0, afterMs: 300 });
        const created = await rt.containerStatus(okId);
        assert.equal(created.state, 'created');
        assert.equal(created.sandboxId, sb.id);
        assert.equal(created.name, 'ok');
        assert.equal(created.attempt, 0);
        assert.equal(created.image, caps.image);
        assert.ok(created.imageRef.length > 0);
        assert.ok(created.createdAt > 0);
        assert.equal(created.startedAt, 0);
        assert.equal(created.logPath, join(sb.config.logDirectory, 'ok/0.log'));
        assert.equal(created.labels['io.kubernetes.container.name'], 'ok');

        await rt.startContainer(okId);
        const running = await rt.containerStatus(okId);
        if (running.state === 'running') assert.ok(running.startedAt > 0);
        else assert.equal(running.state, 'exited');

        const done = await ctx.waitState(okId, 'exited');
        assert.equal(done.exitCode, 0);
        assert.equal(done.reason, 'Completed');
        assert.ok(done.startedAt > 0);
        assert.ok(done.finishedAt >= done.startedAt);

        const failId = await ctx.run(sb, 'fail', { kind: 'exit', exitCode: 3, afterMs: 0 });
        const failed = await ctx.waitState(failId, 'exited');
        assert.equal(failed.exitCode, 3);
        assert.equal(failed.reason, 'Error');
        assert.ok(failed.finishedAt > 0);
      }));

    test('stopContainer: SIGTERM lets the process exit with its own code', () =>
      withRuntime(async (ctx) => {
        const sb = await ctx.sandbox('term');
        const id = await ctx.run(sb, 'main', { kind: 'sleep', onTerm: { termExitCode: 7 } });
        await ctx.waitReady(id);
        await ctx.rt.stopContainer(id, 10);
        const s = await ctx.rt.containerStatus(id);
        assert.equal(s.state, 'exited');
        assert.equal(s.exitCode, 7);
        assert.equal(s.reason, 'Error');
      }));

    test('stopContainer: SIGKILL after the timeout when SIGTERM is ignored (137)', () =>
      withRuntime(async (ctx) => {
        const sb = await ctx.sandbox('kill');
        const id = await ctx.run(sb, 'main', { kind: 'sleep', onTerm: 'ignore' });
        await ctx.waitReady(id);
        await ctx.rt.stopContainer(id, 1);
        const s = await ctx.rt.containerStatus(id);
        assert.equal(s.state, 'exited');
        assert.equal(s.exitCode, 137);
      }));

    test('stop and remove of something gone succeed; status of it is NotFound', () =>
      withRuntime(async (ctx) => {
        const { rt } = ctx;
        const sb = await ctx.sandbox('gone');
        const id = await ctx.run(sb, 'quick', { kind: 'exit', exitCode: 0, afterMs: 0 });
        await ctx.waitState(id, 'exited');
        await rt.stopContainer(id, 1);
        await rt.removeContainer(id);
        await assert.rejects(rt.containerStatus(id), NotFoundError);
        await rt.removeContainer(id);
        await rt.stopContainer(id, 1);
        await rt.stopContainer('no-such-container', 1);
        await rt.removeContainer('no-such-container');
        await assert.rejects(rt.containerStatus('no-such-container'), NotFoundError);
        await assert.rejects(rt.podSandboxStatus('no-such-sandbox'), NotFoundError);
      }));

    test('stopPodSandbox stops its containers; removePodSandbox removes them', () =>
      withRuntime(async (ctx) => {
        const { rt } = ctx;
        const sb = await ctx.sandbox('pod-stop');
        const id = await ctx.run(sb, 'main', { kind: 'sleep', onTerm: { termExitCode: 0 } });
        await ctx.waitReady(id);
        await rt.stopPodSandbox(sb.id);
        assert.equal((await rt.containerStatus(id)).state, 'exited');
        await rt.removePodSandbox(sb.id);
        await assert.rejects(rt.containerStatus(id), NotFoundError);
        assert.ok(!(await rt.listContainers()).some((c) => c.id === id));
      }));

    test('removeContainer of a running container stops it first', () =>
      withRuntime(async (ctx) => {
        const sb = await ctx.sandbox('force-remove');
        const id = await ctx.run(sb, 'main', { kind: 'sleep', onTerm: { termExitCode: 0 } });
        await ctx.waitReady(id);
        await ctx.rt.removeContainer(id);
        await assert.rejects(ctx.rt.containerStatus(id), NotFoundError);
      }));

    test('listContainers filters by sandbox; listPodSandboxes lists all', () =>
      withRuntime(async (ctx) => {
        const { rt } = ctx;
        const a = await ctx.sandbox('list-a');
        const b = await ctx.sandbox('list-b');
        const a1 = await ctx.container(a, 'one', { kind: 'sleep', onTerm: { termExitCode: 0 } });
        const a2 = await ctx.container(a, 'two', { kind: 'sleep', onTerm: { termExitCode: 0 } });
        const b1 = await ctx.container(b, 'one', { kind: 'sleep', onTerm: { termExitCode: 0 } });
        const ids = (list: ContainerStatus[]): string[] => list.map((c) => c.id).sort();
        assert.deepEqual(ids(await rt.listContainers({ sandboxId: a.id })), [a1, a2].sort());
        assert.deepEqual(ids(await rt.listContainers({ sandboxId: b.id })), [b1]);
        const all = ids(await rt.listContainers());
        for (const id of [a1, a2, b1]) assert.ok(all.includes(id));
        const sandboxes = (await rt.listPodSandboxes()).map((s) => s.id);
        assert.ok(sandboxes.includes(a.id) && sandboxes.includes(b.id));
        assert.deepEqual(await rt.listContainers({ sandboxId: 'no-such-sandbox' }), []);
      }));

    test('logs: CRI-format lines for stdout and stderr at the log path', () =>
      withRuntime(async (ctx) => {
        const sb = await ctx.sandbox('logs');
        const id = await ctx.run(sb, 'main', { kind: 'print', stdout: 'one\ntwo\n', stderr: 'oops\n' });
        await ctx.waitState(id, 'exited');
        const lines = await waitFor('three log lines', async () => {
          const l = await ctx.logLines(id);
          return l.length >= 3 ? l : undefined;
        });
        for (const l of lines) {
          // RFC 3339 with up to nine fractional digits: containerd writes Go's RFC3339Nano,
          // which drops trailing zeros (…59.43287211Z).
          assert.match(l.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
          assert.equal(l.tag, 'F');
        }
        assert.equal(streamText(lines, 'stdout'), 'one\ntwo\n');
        assert.equal(streamText(lines, 'stderr'), 'oops\n');
      }));

    test('logs: a long line is split into P records followed by an F record', () =>
      withRuntime(async (ctx) => {
        const sb = await ctx.sandbox('long-line');
        const long = 'x'.repeat(40_000);
        const id = await ctx.run(sb, 'main', { kind: 'print', stdout: `${long}\nend\n`, stderr: '' });
        await ctx.waitState(id, 'exited');
        const lines = await waitFor('log lines', async () => {
          const l = await ctx.logLines(id);
          return l.some((x) => x.content === 'end') ? l : undefined;
        });
        const out = lines.filter((l) => l.stream === 'stdout');
        assert.ok(out.some((l) => l.tag === 'P'), 'expected partial records');
        assert.equal(out[out.length - 1]?.tag, 'F');
        assert.equal(streamText(lines, 'stdout'), `${long}\nend\n`);
      }));

    test('execSync returns exit codes and output', () =>
      withRuntime(async (ctx) => {
        const sb = await ctx.sandbox('exec-sync');
        const id = await ctx.run(sb, 'main', { kind: 'sleep', onTerm: { termExitCode: 0 } });
        await ctx.waitReady(id);
        const ok = await ctx.rt.execSync(id, ['echo', 'hello'], 5000);
        assert.equal(ok.exitCode, 0);
        assert.equal(dec(ok.stdout), 'hello\n');
        const bad = await ctx.rt.execSync(id, ['false'], 5000);
        assert.equal(bad.exitCode, 1);
        if (caps.realProcesses) {
          const both = await ctx.rt.execSync(id, ['sh', '-c', 'echo out; echo err >&2; exit 3'], 5000);
          assert.equal(both.exitCode, 3);
          assert.equal(dec(both.stdout), 'out\n');
          assert.equal(dec(both.stderr), 'err\n');
          await assert.rejects(ctx.rt.execSync(id, ['sleep', '30'], 200), /timed out|timeout/i);
        }
        await assert.rejects(ctx.rt.execSync('no-such-container', ['true'], 1000), NotFoundError);
      }));

    test('exec streams stdin to the process and its output back', () =>
      withRuntime(async (ctx) => {
        const sb = await ctx.sandbox('exec');
        const id = await ctx.run(sb, 'main', { kind: 'sleep', onTerm: { termExitCode: 0 } });
        await ctx.waitReady(id);
        const session = await ctx.rt.exec(id, { command: ['cat'], stdin: true, stdout: true, stderr: true, tty: false });
        const out = collect(session);
        session.writeStdin(enc('abc'));
        await waitFor('echoed stdin', () => (out.stdout() === 'abc' ? true : undefined));
        session.closeStdin();
        assert.equal((await session.done).exitCode, 0);

        const echo = await ctx.rt.exec(id, { command: ['echo', 'hi'], stdin: false, stdout: true, stderr: true, tty: false });
        const echoOut = collect(echo);
        assert.equal((await echo.done).exitCode, 0);
        assert.equal(echoOut.stdout(), 'hi\n');

        if (caps.realProcesses) {
          const failing = await ctx.rt.exec(id, { command: ['sh', '-c', 'echo bad >&2; exit 4'], stdin: false, stdout: true, stderr: true, tty: false });
          const f = collect(failing);
          assert.equal((await failing.done).exitCode, 4);
          assert.equal(f.stderr(), 'bad\n');
        }
      }));

    test('exec with tty gives the process a terminal', { skip: !caps.tty }, () =>
      withRuntime(async (ctx) => {
        const sb = await ctx.sandbox('exec-tty');
        const id = await ctx.run(sb, 'main', { kind: 'sleep', onTerm: { termExitCode: 0 } });
        await ctx.waitReady(id);
        const session = await ctx.rt.exec(id, {
          command: ['sh', '-c', 'test -t 0 && test -t 1 && echo is-a-tty'],
          stdin: true,
          stdout: true,
          stderr: false,
          tty: true,
        });
        const out = collect(session);
        session.resize(100, 40);
        assert.equal((await session.done).exitCode, 0);
        assert.match(out.stdout(), /is-a-tty/);
      }));

    test('attach ends with the container exit code', () =>
      withRuntime(async (ctx) => {
        const sb = await ctx.sandbox('attach-end');
        const id = await ctx.run(sb, 'main', { kind: 'sleep', onTerm: { termExitCode: 5 } });
        await ctx.waitReady(id);
        const session = await ctx.rt.attach(id, { stdin: false, stdout: true, stderr: true, tty: false });
        await ctx.rt.stopContainer(id, 10);
        assert.equal((await session.done).exitCode, 5);
      }));

    test('attach connects to the container stdin and stdout', { skip: !caps.realProcesses }, () =>
      withRuntime(async (ctx) => {
        const sb = await ctx.sandbox('attach');
        const id = await ctx.run(sb, 'main', { kind: 'cat' }, { stdin: true });
        await ctx.waitState(id, 'running');
        const session = await ctx.rt.attach(id, { stdin: true, stdout: true, stderr: true, tty: false });
        const out = collect(session);
        session.writeStdin(enc('ping\n'));
        await waitFor('attached output', () => (out.stdout().includes('ping\n') ? true : undefined));
        session.close();
        await session.done;
        assert.equal((await ctx.rt.containerStatus(id)).state, 'running', 'detaching leaves the container running');
        const logged = await waitFor('logged line', async () => {
          const l = await ctx.logLines(id);
          return l.some((x) => x.content === 'ping') ? true : undefined;
        });
        assert.ok(logged);
      }));

    test('portForward reaches a port a container listens on', { skip: !caps.portForward }, () =>
      withRuntime(async (ctx) => {
        const port = await freePort();
        const sb = await ctx.sandbox('port-forward');
        const id = await ctx.run(sb, 'server', { kind: 'listen', port, reply: 'pong' });
        await ctx.waitState(id, 'running');
        const answer = await waitFor('a reply through portForward', async () => {
          const stream = await ctx.rt.portForward(sb.id, port).catch(() => undefined);
          if (!stream) return undefined;
          let got = '';
          stream.onData((d) => (got += dec(d)));
          stream.write(enc('ping'));
          await stream.closed;
          return got === '' ? undefined : got;
        });
        assert.equal(answer, 'pong');
      }));

    test('env, command, args and workingDir reach the process', { skip: !caps.realProcesses }, () =>
      withRuntime(async (ctx) => {
        const sb = await ctx.sandbox('env');
        const work = join(ctx.dir, 'work');
        await mkdir(work);
        const id = await ctx.run(
          sb,
          'main',
          { command: ['sh', '-c'], args: ['echo "$GREETING $1"; pwd', 'sh', 'world'], annotations: {} },
          { env: [{ name: 'GREETING', value: 'hello' }], workingDir: work },
        );
        const s = await ctx.waitState(id, 'exited');
        assert.equal(s.exitCode, 0);
        const lines = await waitFor('two lines', async () => {
          const l = await ctx.logLines(id);
          return l.length >= 2 ? l : undefined;
        });
        assert.equal(streamText(lines, 'stdout'), `hello world\n${work}\n`);
      }));

    test('mounts are visible at containerPath; readOnly mounts reject writes', { skip: !caps.mounts }, () =>
      withRuntime(async (ctx) => {
        const sb = await ctx.sandbox('mounts');
        const host = join(ctx.dir, 'host-data');
        await mkdir(host);
        await writeFile(join(host, 'file'), 'mounted');
        const inside = join(ctx.dir, 'inside', 'data');
        const readOnly = join(ctx.dir, 'inside', 'ro');
        const id = await ctx.run(
          sb,
          'main',
          { command: ['sh', '-c', `cat ${inside}/file; echo; if touch ${readOnly}/x 2>/dev/null; then echo writable; else echo read-only; fi`], args: [], annotations: {} },
          {
            mounts: [
              { containerPath: inside, hostPath: host, readOnly: false },
              { containerPath: readOnly, hostPath: host, readOnly: true },
            ],
          },
        );
        await ctx.waitState(id, 'exited');
        const lines = await waitFor('two lines', async () => {
          const l = await ctx.logLines(id);
          return l.length >= 2 ? l : undefined;
        });
        assert.equal(streamText(lines, 'stdout'), 'mounted\nread-only\n');
      }));

    test('images: pull, status, list', () =>
      withRuntime(async ({ rt }) => {
        const ref = await rt.pullImage(caps.image);
        assert.ok(ref.length > 0);
        const info = await rt.imageStatus(caps.image);
        assert.ok(info);
        assert.equal(info.ref, ref);
        assert.ok(info.repoTags.length > 0);
        assert.ok((await rt.listImages()).some((i) => i.ref === ref));
        assert.equal(await rt.imageStatus('example.invalid/never-pulled:1'), undefined);
      }));

    test('stats for a running container', () =>
      withRuntime(async (ctx) => {
        const sb = await ctx.sandbox('stats');
        const id = await ctx.run(sb, 'main', { kind: 'sleep', onTerm: { termExitCode: 0 } });
        await ctx.waitReady(id);
        const stats = await ctx.rt.containerStats(id);
        assert.ok(stats);
        assert.equal(stats.id, id);
        assert.ok(stats.timestamp > 0);
        if (caps.realProcesses) assert.ok((stats.memoryWorkingSetBytes ?? 0) > 0);
        if (ctx.rt.listContainerStats) {
          const quick = await ctx.run(sb, 'quick', { kind: 'exit', exitCode: 0, afterMs: 0 });
          await ctx.waitState(quick, 'exited');
          const all = await ctx.rt.listContainerStats();
          const listed = all.find((s) => s.id === id);
          assert.ok(listed, 'listContainerStats has the running container');
          assert.ok(listed.cpuUsageCoreNanoSeconds !== undefined || listed.cpuUsageNanoCores !== undefined);
          assert.ok(listed.memoryWorkingSetBytes !== undefined);
          assert.ok(!all.some((s) => s.id === quick), 'an exited container has no stats');
        }
      }));

    test('a new runtime on the same state re-adopts sandboxes and containers', { skip: !caps.reopen }, () =>
      withRuntime(async (ctx, handle) => {
        const sb = await ctx.sandbox('restart');
        const running = await ctx.run(sb, 'running', { kind: 'sleep', onTerm: { termExitCode: 9 } });
        const quick = await ctx.run(sb, 'quick', { kind: 'exit', exitCode: 2, afterMs: 0 });
        const created = await ctx.container(sb, 'created', { kind: 'exit', exitCode: 0, afterMs: 0 });
        await ctx.waitReady(running);
        await ctx.waitState(quick, 'exited');
        await ctx.rt.close();

        const rt = await caps.reopen?.(handle);
        assert.ok(rt);
        try {
          assert.equal((await rt.podSandboxStatus(sb.id)).state, 'ready');
          const r = await rt.containerStatus(running);
          assert.equal(r.state, 'running');
          const q = await rt.containerStatus(quick);
          assert.equal(q.state, 'exited');
          assert.equal(q.exitCode, 2);
          assert.equal((await rt.containerStatus(created)).state, 'created');
          assert.equal((await rt.listContainers({ sandboxId: sb.id })).length, 3);
          await rt.stopContainer(running, 10);
          const stopped = await rt.containerStatus(running);
          assert.equal(stopped.state, 'exited');
          assert.equal(stopped.exitCode, 9);
          await rt.startContainer(created);
          assert.equal((await waitFor('created container exits', async () => {
            const s = await rt.containerStatus(created);
            return s.state === 'exited' ? s : undefined;
          })).exitCode, 0);
          await rt.stopPodSandbox(sb.id);
          await rt.removePodSandbox(sb.id);
        } finally {
          await rt.close();
        }
      }));
  });
}
