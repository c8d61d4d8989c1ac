// One call of one webhook: the dry-run rule, the AdmissionReview version, the target, the
// POST and the checks of its answer. What keeps the call from giving an answer is a
// CallError (the failurePolicy decides); a dry run a webhook cannot take is refused outright.
import { converterFor } from '../../../api/conversion/conversion.js';
import type { KubeObject } from '../../../api/object.js';
import type { Registries } from '../../registry/registries.js';
import type { Attributes } from './attributes.js';
import { CallError, dryRunUnsupported } from './errors.js';
import type { PostTarget } from './post.js';
import { buildReview, reviewVersionFor, verifyResponse, type ReviewResponse } from './review.js';
import type { Invocation } from './rules.js';
import { resolveTarget } from './target.js';

export interface CallDeps {
  registries: Registries;
  post: (target: PostTarget, body: Buffer, timeoutMs: number) => Promise<unknown>;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** How the request's objects look at the invocation's version: converted when it is not the stored one. */
export function viewFor(inv: Invocation, a: Attributes): { toWebhook(o: KubeObject): KubeObject; fromWebhook(o: KubeObject): KubeObject } {
  const converter = a.objectKind ? undefined : converterFor(a.resource, inv.resource.version);
  return {
    toWebhook: (o) => (converter ? converter.fromStorage(o) : o),
    fromWebhook: (o) => (converter ? converter.toStorage(o) : o),
  };
}

export async function callWebhook(deps: CallDeps, inv: Invocation, a: Attributes, mutating: boolean): Promise<ReviewResponse> {
  const hook = inv.webhook;
  if (a.dryRun) {
    if (hook.sideEffects === undefined) throw new CallError(hook.name, 'Webhook SideEffects is nil');
    if (hook.sideEffects !== 'None' && hook.sideEffects !== 'NoneOnDryRun') throw dryRunUnsupported(hook.name);
  }
  const version = reviewVersionFor(hook.admissionReviewVersions);
  if (!version) {
    throw new CallError(hook.name, 'could not create admission objects: webhook does not accept known AdmissionReview versions (v1, v1beta1)');
  }
  const view = viewFor(inv, a);
  const review = buildReview(version, inv, a, a.object && view.toWebhook(a.object), a.oldObject && view.toWebhook(a.oldObject));
  let answer: unknown;
  try {
    const target = await resolveTarget(deps.registries, hook.clientConfig, hook.timeoutSeconds);
    answer = await deps.post(target, review.body, hook.timeoutSeconds * 1000);
  } catch (err) {
    throw new CallError(hook.name, `failed to call webhook: ${message(err)}`);
  }
  try {
    return verifyResponse(version, review.uid, mutating, answer);
  } catch (err) {
    throw new CallError(hook.name, `received invalid webhook response: ${message(err)}`);
  }
}
