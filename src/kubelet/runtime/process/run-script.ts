// The wrapper each container runs in: `sh run.sh <command> <args…>`. It sets up the
// container's bind mounts (namespaces only), starts the command with its output appended to
// the raw files and its stdin from the stdin FIFO (or /dev/null), records the main pid, waits,
// and writes the exit status to `exit` (128+signal when killed, as sh reports it). A failed
// setup step writes 128 and a message on stderr. The wrapper takes no signals of its own:
// the runtime signals the main process, so the wrapper is always there to write `exit`.
import { dirname } from 'node:path';

export interface BindMount {
  containerPath: string;
  hostPath: string;
  readOnly: boolean;
  /** Bind target must match the source's kind: directory or file. */
  isDirectory: boolean;
  /** Bound only over a path that exists already (no mount point is made on the host). */
  optional?: boolean;
}

export interface RunScriptOptions {
  containerDir: string;
  workingDir: string;
  stdin: boolean;
  bindMounts: BindMount[];
}

export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

export function buildRunScript(o: RunScriptOptions): string {
  const q = shellQuote;
  const lines = [
    `d=${q(o.containerDir)}`,
    'fail() { echo "$1" >&2; echo 128 > "$d/exit.tmp"; mv "$d/exit.tmp" "$d/exit"; exit 0; }',
  ];
  for (const m of o.bindMounts) {
    if (m.optional) {
      lines.push(`if [ -e ${q(m.containerPath)} ]; then mount --bind ${q(m.hostPath)} ${q(m.containerPath)} || fail ${q(`cannot mount ${m.hostPath} at ${m.containerPath}`)}; fi`);
      continue;
    }
    const target = m.isDirectory
      ? `mkdir -p ${q(m.containerPath)}`
      : `mkdir -p ${q(dirname(m.containerPath))} && { [ -e ${q(m.containerPath)} ] || : > ${q(m.containerPath)}; }`;
    lines.push(`${target} && mount --bind ${q(m.hostPath)} ${q(m.containerPath)} || fail ${q(`cannot mount ${m.hostPath} at ${m.containerPath}`)}`);
    if (m.readOnly) {
      lines.push(`mount -o remount,bind,ro ${q(m.containerPath)} || fail ${q(`cannot make ${m.containerPath} read-only`)}`);
    }
  }
  lines.push(
    `cd ${q(o.workingDir)} || fail ${q(`cannot change to working directory ${o.workingDir}`)}`,
    `"$@" ${o.stdin ? '<>"$d/stdin"' : '</dev/null'} >>"$d/stdout" 2>>"$d/stderr" &`,
    'echo $! > "$d/main.pid.tmp" && mv "$d/main.pid.tmp" "$d/main.pid"',
    // sh reports killed jobs on stderr ("Killed"); that is not the container's output.
    'exec 2>/dev/null',
    'wait $!',
    'echo $? > "$d/exit.tmp"',
    'mv "$d/exit.tmp" "$d/exit"',
    '',
  );
  return lines.join('\n');
}
