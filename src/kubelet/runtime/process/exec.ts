// Running extra processes in a container's environment (exec, execSync): the container's env
// and working directory, and with namespaces its pid/mount/UTS/IPC namespaces via nsenter on
// the main process. A tty is provided by util-linux `script` (window size changes are not
// passed on).
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { ExecOptions } from '../runtime.js';
import { BufferedStreamSession } from '../stream-session.js';
import { nsenterArgs, type Isolation, type Tools } from './isolation.js';
import { shellQuote } from './run-script.js';

export interface ExecTarget {
  isolation: Isolation;
  tools: Tools;
  /** Host pid of the container's main process (namespaces are entered through it). */
  mainPid: number;
  env: Record<string, string>;
  cwd: string;
}

function spawnInContainer(target: ExecTarget, command: string[], options: { tty: boolean }): ChildProcess {
  let argv = command;
  if (options.tty) {
    if (!target.tools.script) throw new Error('exec with a tty needs util-linux script, which is not installed');
    argv = [target.tools.script, '-q', '-e', '-c', command.map(shellQuote).join(' '), '/dev/null'];
  }
  const stdio: ['pipe', 'pipe', 'pipe'] = ['pipe', 'pipe', 'pipe'];
  if (target.isolation === 'namespaces' && target.tools.nsenter) {
    return spawn(target.tools.nsenter, [...nsenterArgs(target.mainPid), `--wd=${target.cwd}`, '--', ...argv], {
      env: target.env,
      stdio,
      detached: true,
    });
  }
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('exec: empty command');
  return spawn(file, args, { env: target.env, cwd: target.cwd, stdio, detached: true });
}

function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? constants.signals[signal] : 0);
}

function killTree(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

const NOT_FOUND_EXIT = 127;

export function execSync(
  target: ExecTarget,
  command: string[],
  timeoutMs: number,
): Promise<{ exitCode: number; stdout: Uint8Array; stderr: Uint8Array }> {
  return new Promise((resolve, reject) => {
    const child = spawnInContainer(target, command, { tty: false });
    child.stdin?.end();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killTree(child);
    }, timeoutMs);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ENOENT') {
        resolve({ exitCode: NOT_FOUND_EXIT, stdout: Buffer.alloc(0), stderr: Buffer.from(`${command[0] ?? ''}: executable file not found\n`) });
      } else {
        reject(e);
      }
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) reject(new Error(`exec timed out after ${timeoutMs}ms`));
      else resolve({ exitCode: exitCodeOf(code, signal), stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
    });
  });
}

export function execSession(target: ExecTarget, options: ExecOptions): BufferedStreamSession {
  const child = spawnInContainer(target, options.command, { tty: options.tty });
  const session = new BufferedStreamSession({
    writeStdin: (data) => child.stdin?.write(data),
    closeStdin: () => child.stdin?.end(),
    resize: () => undefined,
    close: () => killTree(child),
  });
  if (!options.stdin) child.stdin?.end();
  child.stdin?.on('error', () => undefined);
  child.stdout?.on('data', (d: Buffer) => {
    if (options.stdout) session.emit('stdout', d);
  });
  child.stderr?.on('data', (d: Buffer) => {
    if (options.stderr) session.emit('stderr', d);
  });
  child.on('error', (e: NodeJS.ErrnoException) => {
    session.emit('stderr', Buffer.from(`${e.message}\n`));
    session.finish(e.code === 'ENOENT' ? NOT_FOUND_EXIT : 126);
  });
  child.on('close', (code, signal) => session.finish(exitCodeOf(code, signal)));
  return session;
}
