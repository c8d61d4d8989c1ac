// Test support: a ContainerRuntime whose exec runs real host processes (`sh -c …` output,
// exit codes and stdin are real; a tty is a real pty through util-linux `script`), whose
// attach runs a small echo loop, and whose portForward connects to a local TCP port.
// Only *.test.ts files import this.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import type { ContainerRuntime, ContainerStatus, ExecOptions, PortStream, SandboxStatus, StreamSession } from '../runtime/runtime.js';
import type { TerminalSize } from '../../streaming/status.js';

function shellQuote(args: readonly string[]): string {
  return args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
}

function sessionOf(child: ChildProcess, resizes: TerminalSize[]): StreamSession {
  const done = new Promise<{ exitCode: number }>((resolve) => {
    // 'close' (not 'exit') waits for stdout and stderr to drain.
    child.on('close', (code, signal) => resolve({ exitCode: code ?? (signal ? 128 + 9 : 1) }));
    child.on('error', () => resolve({ exitCode: 127 }));
  });
  child.stdin?.on('error', () => undefined);
  return {
    writeStdin: (d) => void child.stdin?.write(d),
    closeStdin: () => void child.stdin?.end(),
    resize: (width, height) => void resizes.push({ width, height }),
    onStdout: (l) => void child.stdout?.on('data', (d: Buffer) => l(d)),
    onStderr: (l) => void child.stderr?.on('data', (d: Buffer) => l(d)),
    done,
    close: () => void child.kill('SIGKILL'),
  };
}

export interface ShellRuntime extends ContainerRuntime {
  /** Terminal sizes the clients sent. */
  resizes: TerminalSize[];
  /** Ports portForward was asked for. */
  forwardedPorts: number[];
}

/** `forwardTo`: the local TCP port every forwarded pod port reaches. */
export function createShellRuntime(options: { forwardTo: number }): ShellRuntime {
  const resizes: TerminalSize[] = [];
  const forwardedPorts: number[] = [];
  const unsupported = (what: string) => (): never => {
    throw new Error(`${what} is not supported by the shell test runtime`);
  };
  const start = (argv: readonly string[], tty: boolean): StreamSession => {
    const [file = 'sh', ...args] = tty ? ['script', '-qfec', shellQuote(argv), '/dev/null'] : argv;
    return sessionOf(spawn(file, args, { stdio: 'pipe', env: { ...process.env, PS1: '$ ', TERM: 'dumb' } }), resizes);
  };
  return {
    name: 'shell-test',
    resizes,
    forwardedPorts,
    version: async () => ({ runtimeName: 'shell-test', runtimeVersion: '0' }),
    runPodSandbox: unsupported('runPodSandbox'),
    stopPodSandbox: unsupported('stopPodSandbox'),
    removePodSandbox: unsupported('removePodSandbox'),
    podSandboxStatus: unsupported('podSandboxStatus'),
    listPodSandboxes: async (): Promise<SandboxStatus[]> => [
      { id: 'sb1', name: 'p', namespace: 'default', uid: 'uid-1', attempt: 0, state: 'ready', createdAt: 0, labels: {}, annotations: {} },
    ],
    pullImage: unsupported('pullImage'),
    imageStatus: async () => undefined,
    listImages: async () => [],
    createContainer: unsupported('createContainer'),
    startContainer: unsupported('startContainer'),
    stopContainer: unsupported('stopContainer'),
    removeContainer: unsupported('removeContainer'),
    containerStatus: unsupported('containerStatus'),
    listContainers: async (): Promise<ContainerStatus[]> => [
      {
        id: 'c1', sandboxId: 'sb1', name: 'c', attempt: 0, state: 'running', image: 'busybox', imageRef: 'busybox', createdAt: 0, startedAt: 0,
        finishedAt: 0, exitCode: 0, reason: '', message: '', logPath: '/dev/null', labels: {}, annotations: {},
      },
    ],
    execSync: unsupported('execSync'),
    exec: async (_id: string, o: ExecOptions) => start(o.command, o.tty),
    // The "container" attached to echoes each input line until its stdin closes.
    attach: async (_id, o) => start(['sh', '-c', 'echo attached; while read -r l; do echo "got:$l"; done'], o.tty),
    portForward: async (_sandboxId: string, port: number): Promise<PortStream> => {
      forwardedPorts.push(port);
      const socket = connect(options.forwardTo, '127.0.0.1');
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      socket.on('error', () => socket.destroy());
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      return {
        write: (d) => void socket.write(d),
        end: () => void socket.end(),
        onData: (l) => void socket.on('data', (d: Buffer) => l(d)),
        closed,
        close: () => void socket.destroy(),
      };
    },
    containerStats: async () => undefined,
    close: async () => undefined,
  };
}
