// What a simulated container does, read from annotations once at createContainer.
// Lookup order for key K (e.g. `fake.k8ts.io/exit-code`) and container C:
//   container annotation K  →  pod annotation `K.C`  →  pod annotation K.
// Pod annotations are what users can set; `K.C` targets one container of the pod.
import type { ContainerConfig, SandboxConfig } from '../runtime.js';

export const FAKE_ANNOTATION_PREFIX = 'fake.k8ts.io/';

export interface FakeScript {
  /** Exit by itself this long after start; undefined = run until stopped. */
  exitAfterMs: number | undefined;
  exitCode: number;
  oom: boolean;
  /** startContainer fails with this message. */
  startError: string | undefined;
  /** Exit code on a graceful stop; ignoreTerm = wait for the timeout, then exit 137. */
  termExitCode: number;
  ignoreTerm: boolean;
  /** Every execSync/exec answers exit 1 (exec probes fail). */
  probeFail: boolean;
  /** Scripted answer for commands that are not built in. */
  execExitCode: number;
  execStdout: string;
  /** Written to the log on start, instead of the default start line. */
  stdout: string | undefined;
  stderr: string | undefined;
  memoryBytes: number;
  /** Steady simulated CPU use in millicores. */
  cpuMillicores: number;
  rootfsBytes: number;
}

function scripted(annotations: Record<string, string>): boolean {
  for (const k in annotations) if (k.startsWith(FAKE_ANNOTATION_PREFIX)) return true;
  return false;
}

export function readScript(config: ContainerConfig, sandbox: SandboxConfig): FakeScript {
  // Most simulated containers are not scripted: then every key takes its default.
  const none = !scripted(config.annotations) && !scripted(sandbox.annotations);
  const get = (key: string): string | undefined => {
    if (none) return undefined;
    const k = FAKE_ANNOTATION_PREFIX + key;
    return config.annotations[k] ?? sandbox.annotations[`${k}.${config.name}`] ?? sandbox.annotations[k];
  };
  const int = (key: string, fallback: number): number => {
    const v = get(key);
    if (v === undefined) return fallback;
    const n = Number(v);
    return Number.isFinite(n) ? Math.trunc(n) : fallback;
  };
  const bool = (key: string): boolean => get(key) === 'true';
  const oom = bool('oom');
  const exitAfter = get('exit-after-ms');
  return {
    exitAfterMs: exitAfter !== undefined ? Math.max(0, int('exit-after-ms', 0)) : oom ? 0 : undefined,
    exitCode: oom ? 137 : int('exit-code', 0),
    oom,
    startError: get('start-error'),
    termExitCode: int('term-exit-code', 0),
    ignoreTerm: bool('ignore-term'),
    probeFail: bool('probe-fail'),
    execExitCode: int('exec-exit-code', 0),
    execStdout: get('exec-stdout') ?? '',
    stdout: get('stdout'),
    stderr: get('stderr'),
    memoryBytes: int('memory-bytes', 0),
    cpuMillicores: Math.max(0, int('cpu-millicores', 0)),
    rootfsBytes: Math.max(0, int('rootfs-bytes', 0)),
  };
}
