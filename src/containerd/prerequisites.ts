// What a node needs on the machine to run pods through containerd, checked before starting
// it so the error names the missing pieces and the script that installs them.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const INSTALL_SCRIPT = fileURLToPath(new URL('../../scripts/install-containerd.sh', import.meta.url));

export interface Prerequisites {
  containerd: string;
  ctr: string;
  runc: string;
  cniBinDir: string;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function which(name: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  for (const d of dirs) {
    if (d && executable(join(d, name))) return join(d, name);
  }
  return undefined;
}

const CNI_PLUGINS = ['bridge', 'host-local', 'portmap', 'loopback'];

/** The binaries to use, or an Error listing everything missing and how to install it. */
export function findPrerequisites(options: { cniBinDir?: string } = {}): Prerequisites {
  const cniBinDir = options.cniBinDir ?? '/usr/lib/cni';
  const containerd = which('containerd');
  const ctr = which('ctr');
  const runc = which('runc');
  const missing: string[] = [];
  if (!containerd) missing.push('containerd (Debian package containerd)');
  if (!ctr) missing.push('ctr (Debian package containerd)');
  if (!runc) missing.push('runc (Debian package runc)');
  const cni = CNI_PLUGINS.filter((p) => !executable(join(cniBinDir, p)));
  if (cni.length > 0) missing.push(`CNI plugins ${cni.join(', ')} in ${cniBinDir} (Debian package containernetworking-plugins)`);
  if (!containerd || !ctr || !runc || missing.length > 0) {
    throw new Error(`the containerd runtime cannot start; missing: ${missing.join('; ')}. Install them as root with ${INSTALL_SCRIPT}`);
  }
  return { containerd, ctr, runc, cniBinDir };
}
