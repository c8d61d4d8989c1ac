// The pod's /etc/hosts. containerd copies the node's file into each container; Kubernetes
// instead gives every container of a pod network a managed file naming the pod's own IP and
// hostname, written once the sandbox (and so the IP) exists. Host-network pods get the node's
// entries under the same header.
import { readFile } from 'node:fs/promises';

const HEADER = '# Kubernetes-managed hosts file.\n';
const BASE = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'fe00::0\tip6-mcastprefix',
  'fe00::1\tip6-allnodes',
  'fe00::2\tip6-allrouters',
].join('\n');

export function podHostsFile(options: { ip?: string; hostname: string }): string {
  const own = options.ip ? `${options.ip}\t${options.hostname}\n` : '';
  return `${HEADER}${BASE}\n${own}`;
}

export async function hostNetworkHostsFile(nodeHostsPath = '/etc/hosts'): Promise<string> {
  const node = await readFile(nodeHostsPath, 'utf8').catch(() => `${BASE}\n`);
  return `${HEADER.replace('.\n', ' (host network).\n')}${node.endsWith('\n') ? node : `${node}\n`}`;
}
