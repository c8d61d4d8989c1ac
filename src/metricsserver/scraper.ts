// One scrape: every node's summary, fetched in parallel, each bounded by a timeout shorter than
// the resolution (metrics-server gives a node at most the resolution less a margin). A node that
// fails is logged and left out of the batch, so its pods' metrics lapse until it answers again.
import type { Logger } from '../log.js';
import { addSummary, emptyBatch, type MetricsBatch } from './batch.js';
import type { SummarySource } from './sources.js';

export async function scrape(source: SummarySource, o: { timeoutMs: number; log: Logger; signal: AbortSignal }): Promise<MetricsBatch> {
  const batch = emptyBatch();
  const nodes = await source.nodeNames(o.signal);
  await Promise.all(
    nodes.map(async (node) => {
      const signal = AbortSignal.any([o.signal, AbortSignal.timeout(o.timeoutMs)]);
      try {
        addSummary(batch, await source.summary(node, signal));
      } catch (err) {
        if (!o.signal.aborted) o.log.warn(`scraping node ${node} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }),
  );
  return batch;
}
