// The scheduler process for bench/scheduler.ts: connects to the API server at the URL given,
// runs `startScheduler` (default profile) until stdin closes or it gets SIGTERM, and prints
// `READY` once its caches have synced. Its own process, like kube-scheduler, and like it writes
// Events (Scheduled, FailedScheduling) through the API unless EVENTS=0.
import { createClient } from '../src/client/client.js';
import { HttpTransport } from '../src/client/http.js';
import { createEventRecorder } from '../src/events/broadcaster.js';
import { discardEvents } from '../src/events/recorder.js';
import { realClock } from '../src/informer/clock.js';
import { createLogger } from '../src/log.js';
import { startScheduler } from '../src/scheduler/run.js';

const [url = '', token = ''] = process.argv.slice(2);
const client = createClient(new HttpTransport({ server: url, token }));
const log = createLogger('scheduler', { level: 'warn' });
// A full event queue drops events with a line each, as it should; at 10,000 bindings that is noise here.
const events =
  process.env['EVENTS'] === '0'
    ? undefined
    : createEventRecorder({ client, component: 'default-scheduler', clock: realClock, log: createLogger('scheduler/events', { level: 'error' }) });
const stop = new AbortController();
const running = await startScheduler({
  client,
  recorder: events ?? discardEvents,
  log,
  signal: stop.signal,
});
console.log('READY');

async function shutdown(): Promise<void> {
  if (stop.signal.aborted) return;
  stop.abort();
  await running.stop();
  events?.close();
  client.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.stdin.on('end', () => void shutdown());
process.stdin.resume();
