// Test harness for controllers: a real API server on MemoryStorage, an HTTP client, shared
// informers, a fake-able clock and a recorder that keeps what it records — everything a
// controller gets in production, so tests exercise the real API path.
import { startApiServer, type RunningApiServer } from '../apiserver/server.js';
import { createClient, type ApiClient, type ObjectLike } from '../client/client.js';
import { HttpTransport } from '../client/http.js';
import type { EventRecorder, EventType } from '../events/recorder.js';
import { realClock, type Clock } from '../informer/clock.js';
import { SharedInformerFactory } from '../informer/shared.js';
import { createLogger } from '../log.js';
import { MemoryStorage } from '../storage/memory/memory.js';
import { DEFAULT_CONTROLLER_OPTIONS, type Controller, type ControllerContext, type ControllerFactory, type ControllerOptions } from './controller.js';

const TOKEN = 'controller-test-token';

export interface RecordedEvent {
  object: ObjectLike;
  type: EventType;
  reason: string;
  message: string;
}

export interface ControllerHarness {
  server: RunningApiServer;
  storage: MemoryStorage;
  client: ApiClient;
  context: ControllerContext;
  events: RecordedEvent[];
  /** Starts controllers made by these factories with the harness context. */
  start(...factories: ControllerFactory[]): Controller[];
  /** Stops controllers, informers, client and server. */
  close(): Promise<void>;
}

export async function startControllerHarness(
  options: { clock?: Clock; controllerOptions?: Partial<ControllerOptions> } = {},
): Promise<ControllerHarness> {
  const storage = new MemoryStorage();
  const server = await startApiServer({
    storage,
    port: 0,
    tokens: new Map([[TOKEN, { username: 'system:kube-controller-manager', groups: ['system:masters'] }]]),
    // Tests start only the controllers they test: no serviceaccount controller makes `default` accounts.
    serviceAccountAdmission: false,
  });
  const client = createClient(new HttpTransport({ server: server.url, token: TOKEN }));
  const clock = options.clock ?? realClock;
  const log = createLogger('test', { level: process.env['K8TS_LOG_LEVEL'] === 'debug' ? 'debug' : 'error' });
  const informers = new SharedInformerFactory(client, { clock, log });
  const events: RecordedEvent[] = [];
  const recorder: EventRecorder = { event: (object, type, reason, message) => void events.push({ object, type, reason, message }) };
  const context: ControllerContext = {
    client,
    informers,
    recorder,
    clock,
    log,
    options: { ...DEFAULT_CONTROLLER_OPTIONS, ...options.controllerOptions },
  };
  const stop = new AbortController();
  const runs: Promise<void>[] = [];
  informers.start(stop.signal);
  return {
    server,
    storage,
    client,
    context,
    events,
    start(...factories) {
      return factories.map((f) => {
        const c = f(context);
        runs.push(c.run(stop.signal));
        return c;
      });
    },
    async close() {
      stop.abort();
      await Promise.allSettled(runs);
      client.close();
      await server.close();
      await storage.close();
    },
  };
}
