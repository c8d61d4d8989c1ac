// Versions k8ts reports: its own, and the Kubernetes API version it implements (what
// `/version` answers, so kubectl's version dispatch and skew checks see a current minor).
import { readFileSync } from 'node:fs';

export const KUBERNETES_VERSION = { major: '1', minor: '33', patch: '0' } as const;

function readPackageVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    if (typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string') return pkg.version;
  } catch {
    // fall through: running from an unusual layout
  }
  return '0.0.0';
}

export const K8TS_VERSION = readPackageVersion();

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

/** The body of `GET /version` (version.Info). */
export function versionInfo(): VersionInfo {
  const { major, minor, patch } = KUBERNETES_VERSION;
  return {
    major,
    minor,
    gitVersion: `v${major}.${minor}.${patch}+k8ts-${K8TS_VERSION}`,
    gitCommit: '',
    gitTreeState: 'clean',
    buildDate: '1970-01-01T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'k8ts',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}
