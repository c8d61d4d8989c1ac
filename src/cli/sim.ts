// `k8ts sim`: joins N simulated nodes (the fake runtime: pods "run" without processes, as with
// KWOK) to a cluster, for scheduling and scale experiments. Authentication: the join token is
// used once, to obtain by CSR one client certificate for user `system:node:<prefix>simulator`
// in group system:nodes, kept in memory only; every simulated node talks through it. Simulated
// nodes serve no kubelet API (no logs, exec or port-forward).
import { wallClock } from '../kubelet/config.js';
import { createEventRecorder } from '../events/broadcaster.js';
import { startSimulatedNodes } from '../kubelet/sim.js';
import { createLogger, isLogLevel, type LogLevel } from '../log.js';
import { bootstrapNodeCredentials, nodeClient } from '../node/bootstrap.js';
import { helpText, parseFlags, UsageError } from './flags.js';

const specs = {
  server: { type: 'string', placeholder: 'URL', description: 'API server to join, e.g. https://10.0.0.1:6443' },
  token: { type: 'string', placeholder: 'TOKEN', description: "Join token (the server's <data-dir>/token)" },
  nodes: { type: 'string', placeholder: 'N', description: 'How many simulated nodes', default: '1' },
  'name-prefix': { type: 'string', placeholder: 'PREFIX', description: 'Node names are <prefix>0 … <prefix>N-1', default: 'sim-' },
  'node-status-update-frequency': { type: 'string', placeholder: 'SECONDS', description: 'How often each node heartbeats (lease)', default: '10' },
  'log-level': { type: 'string', placeholder: 'LEVEL', description: 'error, warn, info or debug', default: 'info' },
} as const;

const help = helpText(
  'k8ts sim --server URL --token TOKEN --nodes N [flags]',
  'Join simulated nodes to a k8ts cluster: pods bound to them "run" without processes.',
  specs,
);

export async function runSim(argv: readonly string[]): Promise<number> {
  let flags;
  let count: number;
  let level: LogLevel;
  let heartbeatIntervalMs: number;
  try {
    flags = parseFlags(argv, specs, help);
    if (!flags) return 0;
    if (!flags.server) throw new UsageError('--server is required');
    if (!flags.token) throw new UsageError('--token is required');
    count = Number(flags.nodes);
    if (!Number.isInteger(count) || count < 1) throw new UsageError(`--nodes must be a positive integer, not "${flags.nodes ?? ''}"`);
    const l = flags['log-level'] ?? 'info';
    if (!isLogLevel(l)) throw new UsageError(`--log-level must be error, warn, info or debug, not "${l}"`);
    level = l;
    heartbeatIntervalMs = Number(flags['node-status-update-frequency']) * 1000;
    if (!(heartbeatIntervalMs >= 100)) throw new UsageError('--node-status-update-frequency must be a number of seconds >= 0.1');
    if (!/^[a-z0-9]([-a-z0-9.]*)?$/.test(flags['name-prefix'] ?? '')) throw new UsageError('--name-prefix must start a lower-case DNS name');
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`k8ts sim: ${err.message}\n\n${help}`);
      return 2;
    }
    throw err;
  }
  const log = createLogger('sim', { level });
  const prefix = flags['name-prefix'] ?? 'sim-';
  const server = flags.server;
  const ac = new AbortController();
  const onSignal = (name: string) => () => ac.abort(name);
  const onInt = onSignal('SIGINT');
  const onTerm = onSignal('SIGTERM');
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  try {
    const creds = await bootstrapNodeCredentials({ server, token: flags.token, nodeName: `${prefix}simulator`, log, signal: ac.signal });
    const client = nodeClient(server, creds, 'k8ts-sim');
    const recorder = createEventRecorder({ client, clock: wallClock, log: log.child('events'), component: 'kubelet' });
    log.info(`registering ${count} simulated node(s) ${prefix}0 … ${prefix}${count - 1}`);
    const started = performance.now();
    const nodes = await startSimulatedNodes({ client, count, namePrefix: prefix, log, signal: ac.signal, recorder, heartbeatIntervalMs });
    log.info(`${nodes.names.length} simulated node(s) running (${Math.round(performance.now() - started)} ms); stop with Ctrl-C`);
    await new Promise<void>((done) => (ac.signal.aborted ? done() : ac.signal.addEventListener('abort', () => done(), { once: true })));
    log.info(`${String(ac.signal.reason)}: stopping`);
    await nodes.stop();
    await recorder.flush();
    recorder.close();
    client.close();
    return 0;
  } catch (err) {
    if (ac.signal.aborted) return 0;
    process.stderr.write(`k8ts sim: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
