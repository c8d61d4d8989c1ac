// Kubernetes' slowStartBatch: run `fn` `count` times in batches of 1, 2, 4, … (each batch in
// parallel), stopping after the first batch with a failure. A quota or admission problem then
// costs one failed call instead of hundreds.

export interface SlowStartResult {
  successes: number;
  /** Present when a batch failed: the first error of that batch. */
  failure?: { error: unknown };
}

export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => Promise<void>): Promise<SlowStartResult> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += batch - failures.length;
    if (failures[0]) return { successes, failure: { error: failures[0].reason } };
    remaining -= batch;
  }
  return { successes };
}
