// The pod's /etc/hosts. containerd copies the node's file into each container; Kubernetes
// instead gives every container of a pod network a managed file naming the pod's own IP and
// hostname (and FQDN, with a subdomain), written once the sandbox (and so the IP) exists; the
// pod's hostAliases follow. Host-network pods get the node's entries under the same header.
import { readFile } from 'node:fs/promises';
import type { HostAlias } from '../runtime.js';

const HEADER = '# Kubernetes-managed hosts file.\n';
const BASE = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'fe00::0\tip6-mcastprefix',
  'fe00::1\tip6-allnodes',
  'fe00::2\tip6-allrouters',
].join('\n');

export interface PodHostsOptions {
  ip?: string;
  hostname: string;
  /** The pod's domain when it has a subdomain: the pod is named by its FQDN first. */
  domain?: string;
  aliases?: readonly HostAlias[];
}

export function podHostsFile(options: PodHostsOptions): string {
  const names = options.domain ? `${options.hostname}.${options.domain}\t${options.hostname}` : options.hostname;
  const own = options.ip ? `${options.ip}\t${names}\n` : '';
  return `${HEADER}${BASE}\n${own}${aliasEntries(options.aliases)}`;
}

export async function hostNetworkHostsFile(aliases?: readonly HostAlias[], nodeHostsPath = '/etc/hosts'): Promise<string> {
  const node = await readFile(nodeHostsPath, 'utf8').catch(() => `${BASE}\n`);
  return `${HEADER.replace('.\n', ' (host network).\n')}${node.endsWith('\n') ? node : `${node}\n`}${aliasEntries(aliases)}`;
}

/** spec.hostAliases after the pod's own entries, one line per address, as the kubelet writes them. */
function aliasEntries(aliases: readonly HostAlias[] | undefined): string {
  if (!aliases || aliases.length === 0) return '';
  return `\n# Entries added by HostAliases.\n${aliases.map((a) => `${a.ip}\t${a.hostnames.join('\t')}\n`).join('')}`;
}
