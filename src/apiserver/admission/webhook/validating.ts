// Kubernetes' ValidatingAdmissionWebhook: every matching webhook is called at once; when any
// refuses (or fails with failurePolicy Fail) the request fails with the first error in the
// webhooks' order, after all have answered.
import type { ApiError } from '../../../api/errors.js';
import type { Attributes } from './attributes.js';
import { callWebhook, type CallDeps } from './call.js';
import { CallError, failedClosed, refusal } from './errors.js';
import type { Matcher } from './mutating.js';
import type { Invocation } from './rules.js';
import type { Webhook } from './webhook.js';

async function validateOnce(deps: CallDeps, inv: Invocation, a: Attributes, log: (line: string) => void): Promise<ApiError | Error | undefined> {
  try {
    const res = await callWebhook(deps, inv, a, false);
    a.warnings.push(...res.warnings);
    return res.allowed ? undefined : refusal(inv.webhook.name, res.result);
  } catch (err) {
    if (err instanceof CallError) {
      if (inv.webhook.failurePolicy === 'Ignore') {
        log(`Failed calling webhook, failing open ${inv.webhook.name}: ${err.message}`);
        return undefined;
      }
      return failedClosed(err);
    }
    return err instanceof Error ? err : new Error(String(err));
  }
}

export async function dispatchValidating(deps: CallDeps, hooks: readonly Webhook[], a: Attributes, match: Matcher, log: (line: string) => void): Promise<void> {
  const invocations: Invocation[] = [];
  for (const hook of hooks) {
    const inv = await match(hook);
    if (inv) invocations.push(inv);
  }
  if (invocations.length === 0) return;
  const errors = await Promise.all(invocations.map((inv) => validateOnce(deps, inv, a, log)));
  const first = errors.find((e) => e !== undefined);
  if (first) throw first;
}
