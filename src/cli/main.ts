// The `k8ts` command: dispatches to subcommands. Each subcommand parses its own flags and
// returns an exit code; none calls process.exit, so they can be driven from tests.
import { K8TS_VERSION, versionInfo } from '../version.js';
import { runAgent } from './agent.js';
import { runImages } from './images.js';
import { runServer } from './server.js';
import { runSim } from './sim.js';

const USAGE = `k8ts ${K8TS_VERSION} — Kubernetes, written in TypeScript

Usage: k8ts <command> [flags]

Commands:
  server    Run a cluster: API server with storage (SQLite, etcd or memory)
  agent     Join this machine to a cluster as a node
  images    Import and list the images of this machine's containerd node
  sim       Run simulated nodes (no containers) against a cluster, for scale tests
  version   Print the k8ts and Kubernetes versions

Run 'k8ts <command> --help' for a command's flags.
`;

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'server':
      return runServer(rest);
    case 'agent':
      return runAgent(rest);
    case 'sim':
      return runSim(rest);
    case 'images':
      return runImages(rest);
    case 'version':
    case '--version':
    case '-v': {
      const v = versionInfo();
      process.stdout.write(`k8ts version ${K8TS_VERSION}\nKubernetes API ${v.gitVersion.split('+')[0]} (${v.gitVersion})\nNode.js ${process.version}\n`);
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`k8ts: unknown command "${command}"\n\n${USAGE}`);
      return 1;
  }
}
