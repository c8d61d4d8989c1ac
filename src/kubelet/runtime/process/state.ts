// The process runtime's on-disk state, which is what lets a new runtime instance re-adopt
// running pods. Layout under the root directory:
//   images.json                                   pulled image names
//   pods/<uid>/work/                              default working directory of the pod
//   pods/<uid>/sandboxes/<id>/sandbox.json        SandboxRecord
//   pods/<uid>/containers/<id>/container.json     ContainerRecord
//   pods/<uid>/containers/<id>/{run.sh,stdout,stderr,stdin,main.pid,exit,pump.json}
// Records are replaced atomically (write + rename); `exit` is written by the wrapper script.
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerConfig, ContainerState, SandboxConfig, SandboxState } from '../runtime.js';
import type { ProcessIdentity } from './procfs.js';

export interface SandboxRecord {
  id: string;
  config: SandboxConfig;
  createdAt: number;
  state: SandboxState;
  /** The pod's namespace holder (pid 1 of its pid namespace); absent without namespaces. */
  pause?: ProcessIdentity;
}

export interface ContainerRecord {
  id: string;
  sandboxId: string;
  podUid: string;
  config: ContainerConfig;
  imageRef: string;
  logPath: string;
  state: ContainerState;
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  reason: string;
  message: string;
  /** The spawned process that waits for the main process and writes `exit`. */
  supervisor?: ProcessIdentity;
  /** The container's main process (host pid). */
  main?: ProcessIdentity;
}

export interface PumpOffsets {
  stdout: number;
  stderr: number;
}

export class StateDir {
  constructor(readonly root: string) {}

  podDir(uid: string): string {
    return join(this.root, 'pods', uid);
  }
  workDir(uid: string): string {
    return join(this.podDir(uid), 'work');
  }
  sandboxDir(uid: string, id: string): string {
    return join(this.podDir(uid), 'sandboxes', id);
  }
  containerDir(uid: string, id: string): string {
    return join(this.podDir(uid), 'containers', id);
  }

  saveSandbox(r: SandboxRecord): void {
    const dir = this.sandboxDir(r.config.uid, r.id);
    mkdirSync(dir, { recursive: true });
    writeJsonAtomic(join(dir, 'sandbox.json'), r);
  }

  saveContainer(r: ContainerRecord): void {
    const dir = this.containerDir(r.podUid, r.id);
    mkdirSync(dir, { recursive: true });
    writeJsonAtomic(join(dir, 'container.json'), r);
  }

  loadAll(): { sandboxes: SandboxRecord[]; containers: ContainerRecord[] } {
    const sandboxes: SandboxRecord[] = [];
    const containers: ContainerRecord[] = [];
    for (const uid of listDir(join(this.root, 'pods'))) {
      for (const id of listDir(join(this.podDir(uid), 'sandboxes'))) {
        const r = readJson(join(this.sandboxDir(uid, id), 'sandbox.json'));
        if (r !== undefined) sandboxes.push(r as SandboxRecord);
      }
      for (const id of listDir(join(this.podDir(uid), 'containers'))) {
        const r = readJson(join(this.containerDir(uid, id), 'container.json'));
        if (r !== undefined) containers.push(r as ContainerRecord);
      }
    }
    return { sandboxes, containers };
  }

  loadImages(): Record<string, string> {
    const v = readJson(join(this.root, 'images.json'));
    return typeof v === 'object' && v !== null ? (v as Record<string, string>) : {};
  }

  saveImages(images: Record<string, string>): void {
    mkdirSync(this.root, { recursive: true });
    writeJsonAtomic(join(this.root, 'images.json'), images);
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(value));
  renameSync(tmp, path);
}

/** Parsed JSON, or undefined for a missing or torn file. */
export function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
