// A metrics-server: scrapes every node's kubelet summary each resolution, keeps the last two
// samples per node and container (MetricsStore), and serves metrics.k8s.io/v1beta1 over HTTPS
// to the API server's aggregator, trusting only connections whose client certificate the
// request-header CA signed. The caller registers it (APIService v1beta1.metrics.k8s.io →
// Service kube-system/metrics-server) with the address, port and CA bundle returned here.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';
import { metricsApiHandler } from './api.js';
import type { RequestHeaderOptions } from './authn.js';
import type { MetricsAuthorizer } from './authz.js';
import { scrape } from './scraper.js';
import type { ObjectSource, SummarySource } from './sources.js';
import { MetricsStore } from './store.js';
import { realClock, sleep } from '../informer/clock.js';

export const DEFAULT_RESOLUTION_MS = 15_000;

export interface MetricsServerOptions {
  summaries: SummarySource;
  objects: ObjectSource;
  host: string;
  /** 0: any free port. */
  port: number;
  /** The serving certificate (PEM, chain allowed) and its key. */
  tls: { cert: string; key: string };
  /** The CA (PEM) that signs the API server's proxy client certificate, and the header names. */
  requestHeader: RequestHeaderOptions & { clientCA: string };
  authorize?: MetricsAuthorizer;
  /** How often nodes are scraped (metrics-server's --metric-resolution); default 15 s. */
  resolutionMs?: number;
  /** False: no scrape loop, only scrapeNow() (tests). Default true. */
  scrapeLoop?: boolean;
  log: Logger;
  now?: () => number;
}

export interface RunningMetricsServer {
  host: string;
  port: number;
  /** Scrapes all nodes once and stores the batch. */
  scrapeNow(): Promise<void>;
  stop(): Promise<void>;
}

export async function startMetricsServer(o: MetricsServerOptions): Promise<RunningMetricsServer> {
  const resolutionMs = o.resolutionMs ?? DEFAULT_RESOLUTION_MS;
  const store = new MetricsStore(resolutionMs);
  const stopping = new AbortController();
  const server: Server = createServer(
    { cert: o.tls.cert, key: o.tls.key, ca: o.requestHeader.clientCA, requestCert: true, rejectUnauthorized: false },
    metricsApiHandler({ store, objects: o.objects, requestHeader: o.requestHeader, ...(o.authorize ? { authorize: o.authorize } : {}), ...(o.now ? { now: o.now } : {}) }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const scrapeNow = async (): Promise<void> => {
    const batch = await scrape(o.summaries, { timeoutMs: Math.max(1000, resolutionMs - 1000), log: o.log, signal: stopping.signal });
    if (!stopping.signal.aborted) store.store(batch);
  };
  const loop = o.scrapeLoop === false ? Promise.resolve() : runLoop(scrapeNow, resolutionMs, stopping.signal, o.log);
  return {
    host: o.host,
    port: (server.address() as AddressInfo).port,
    scrapeNow,
    async stop() {
      stopping.abort();
      await loop;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function runLoop(scrapeNow: () => Promise<void>, intervalMs: number, signal: AbortSignal, log: Logger): Promise<void> {
  while (!signal.aborted) {
    const started = Date.now();
    await scrapeNow().catch((err: unknown) => log.warn(`scrape failed: ${err instanceof Error ? err.message : String(err)}`));
    await sleep(realClock, Math.max(0, intervalMs - (Date.now() - started)), signal);
  }
}
