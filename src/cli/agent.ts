// `k8ts agent`: joins this machine to a cluster as a node. The node agent (kubelet, proxy)
// is not part of this release yet; the command exists so its flags are stable.
import { helpText, parseFlags, UsageError } from './flags.js';

const specs = {
  server: { type: 'string', placeholder: 'URL', description: 'API server to join, e.g. https://10.0.0.1:6443' },
  token: { type: 'string', placeholder: 'TOKEN', description: "Join token (the server's <data-dir>/token)" },
  'node-name': { type: 'string', placeholder: 'NAME', description: 'Node name (default: this host name)' },
  runtime: { type: 'string', placeholder: 'NAME', description: 'Container runtime: containerd, process or fake' },
} as const;

const help = helpText('k8ts agent --server URL --token TOKEN [flags]', 'Join this machine to a k8ts cluster as a node.', specs);

export async function runAgent(argv: readonly string[]): Promise<number> {
  try {
    const flags = parseFlags(argv, specs, help);
    if (!flags) return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`k8ts agent: ${err.message}\n\n${help}`);
      return 2;
    }
    throw err;
  }
  process.stderr.write('k8ts agent: the node agent is not available in this version of k8ts\n');
  return 1;
}
