// Test harness for the kubelet: a real API server on MemoryStorage, an HTTP client, the fake
// runtime, a recorder that keeps events, and a kubelet with short intervals and back-off.
// Only *.test.ts files and benchmarks import this.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../apiserver/testing.js';
import { createClient, type ApiClient, type ObjectLike } from '../client/client.js';
import { HttpTransport } from '../client/http.js';
import type { EventRecorder, EventType } from '../events/recorder.js';
import { createLogger } from '../log.js';
import type { KubeletOptions } from './config.js';
import { startKubelet, type RunningKubelet } from './kubelet.js';
import { FakeRuntime } from './runtime/fake/fake-runtime.js';
import type { ContainerRuntime } from './runtime/runtime.js';

export interface RecordedEvent {
  object: ObjectLike;
  type: EventType;
  reason: string;
  message: string;
}

export interface KubeletHarness {
  server: TestServer;
  client: ApiClient;
  runtime: ContainerRuntime;
  kubelet: RunningKubelet;
  nodeName: string;
  rootDir: string;
  events: RecordedEvent[];
  /** Creates a pod bound to the harness node. */
  createPod(pod: Pod): Promise<Pod>;
  getPod(name: string, namespace?: string): Promise<Pod | undefined>;
  /** Polls the pod until `check` passes; fails with the last state after `timeoutMs`. */
  waitForPod(name: string, check: (pod: Pod) => boolean, timeoutMs?: number): Promise<Pod>;
  /** Polls `check` until it is truthy. */
  waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

const PODS = { group: '', version: 'v1', resource: 'pods' } as const;

export async function startKubeletHarness(
  o: { runtime?: ContainerRuntime; kubelet?: Partial<Omit<KubeletOptions, 'client' | 'runtime' | 'recorder' | 'log' | 'signal' | 'nodeName' | 'rootDir'>> } = {},
): Promise<KubeletHarness> {
  const server = await startTestServer();
  const client = createClient(new HttpTransport({ server: server.url, token: ADMIN_TOKEN }));
  const runtime = o.runtime ?? new FakeRuntime();
  const events: RecordedEvent[] = [];
  const recorder: EventRecorder = { event: (object, type, reason, message) => void events.push({ object, type, reason, message }) };
  const rootDir = mkdtempSync(join(tmpdir(), 'k8ts-kubelet-'));
  const nodeName = 'node-1';
  const stop = new AbortController();
  const log = createLogger('kubelet', { level: process.env['K8TS_LOG_LEVEL'] === 'debug' ? 'debug' : 'error' });
  const kubelet = await startKubelet({
    client,
    runtime,
    nodeName,
    recorder,
    log,
    rootDir,
    capacity: { cpu: 4, memoryBytes: 8 * 1024 ** 3, pods: 110, ephemeralStorageBytes: 100 * 1024 ** 3 },
    addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: nodeName }],
    heartbeatIntervalMs: 200,
    nodeStatusUpdateFrequencyMs: 200,
    relistIntervalMs: 50,
    crashLoopBackOff: { initialMs: 600, maxMs: 2400, resetAfterMs: 10_000 },
    ...o.kubelet,
    signal: stop.signal,
  });
  const getPod = async (name: string, namespace = 'default'): Promise<Pod | undefined> => {
    try {
      return await client.resource<Pod>(PODS, namespace).get(name);
    } catch {
      return undefined;
    }
  };
  const waitFor = async <T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await check();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return {
    server,
    client,
    runtime,
    kubelet,
    nodeName,
    rootDir,
    events,
    createPod: (pod) =>
      client.resource<Pod>(PODS, pod.metadata?.namespace ?? 'default').create({ apiVersion: 'v1', kind: 'Pod', ...pod, spec: { nodeName, ...pod.spec, containers: pod.spec?.containers ?? [] } }),
    getPod,
    async waitForPod(name, check, timeoutMs = 10_000) {
      let last: Pod | undefined;
      try {
        return await waitFor(`pod ${name}`, async () => {
          last = await getPod(name);
          return last && check(last) ? last : undefined;
        }, timeoutMs);
      } catch (err) {
        throw new Error(`${String(err)}; last status: ${JSON.stringify(last?.status)}`, { cause: err });
      }
    },
    waitFor,
    async close() {
      stop.abort();
      await kubelet.stop();
      await runtime.close();
      client.close();
      await server.close();
      rmSync(rootDir, { recursive: true, force: true });
    },
  };
}

export function eventsFor(h: KubeletHarness, podName: string): RecordedEvent[] {
  return h.events.filter((e) => e.object.metadata?.name === podName);
}
