// Kubernetes' MutatingAdmissionWebhook: the matching webhooks one after another (configurations
// by name, then each one's order), each JSON patch applied before the next call. A webhook
// with reinvocationPolicy IfNeeded is called once more, after the others, when a later
// webhook changed the object. (Kubernetes also re-runs its built-in mutating plugins in that
// second round; k8ts does not.)
import { ApiError } from '../../../api/errors.js';
import { isPlainObject, type KubeObject } from '../../../api/object.js';
import { applyJsonPatch } from '../../../api/patch/patch.js';
import { deepEqual } from '../../../api/patch/json-value.js';
import type { Attributes } from './attributes.js';
import { callWebhook, viewFor, type CallDeps } from './call.js';
import { CallError, failedClosed, refusal } from './errors.js';
import type { Invocation } from './rules.js';
import type { Webhook } from './webhook.js';

export type Matcher = (hook: Webhook) => Promise<Invocation | undefined>;

/** Replaces what `target` holds with `source`'s fields: the registry keeps its reference. */
function replaceContents(target: KubeObject, source: KubeObject): void {
  for (const k of Object.keys(target)) delete target[k];
  Object.assign(target, source);
}

/** Calls one webhook and applies its patch to `a.object`; resolves with whether the object changed. */
async function mutateOnce(deps: CallDeps, inv: Invocation, a: Attributes): Promise<boolean> {
  const name = inv.webhook.name;
  const res = await callWebhook(deps, inv, a, true);
  a.warnings.push(...res.warnings);
  if (!res.allowed) throw refusal(name, res.result);
  if (!res.patch) return false;
  let ops: unknown;
  try {
    ops = JSON.parse(res.patch.toString('utf8'));
    if (!Array.isArray(ops)) throw new Error('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  } catch (err) {
    throw new CallError(name, `received undecodable patch in webhook response: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (ops.length === 0) return false;
  const target = a.object;
  if (!target || a.operation === 'DELETE' || a.operation === 'CONNECT') {
    throw ApiError.internal(`admission webhook ${JSON.stringify(name)} attempted to modify the object, which is not supported for this operation`);
  }
  if (res.patchType !== 'JSONPatch') throw new CallError(name, `unsupported patch type ${JSON.stringify(res.patchType ?? '')}`);
  const view = viewFor(inv, a);
  let patched: unknown;
  try {
    patched = applyJsonPatch(view.toWebhook(target), ops);
  } catch (err) {
    // Kubernetes passes the JSON patch library's error text; k8ts' patch engine words its own.
    throw ApiError.internal(`applying the patch of admission webhook ${JSON.stringify(name)}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isPlainObject(patched)) throw ApiError.internal(`the patch of admission webhook ${JSON.stringify(name)} did not produce an object`);
  const next = view.fromWebhook(patched as KubeObject);
  if (deepEqual(next, target)) return false;
  replaceContents(target, next);
  return true;
}

export async function dispatchMutating(deps: CallDeps, hooks: readonly Webhook[], a: Attributes, match: Matcher, log: (line: string) => void): Promise<void> {
  /** IfNeeded webhooks called since the object last changed. */
  let previouslyInvoked = new Set<string>();
  const reinvoke = new Set<string>();
  for (const round of [0, 1]) {
    if (round === 1 && reinvoke.size === 0) return;
    for (const hook of hooks) {
      // A webhook is never called for the first time in the second round.
      if (round === 1 && !reinvoke.has(hook.uid)) continue;
      const inv = await match(hook);
      if (!inv) continue;
      let changed = false;
      let failure: unknown;
      try {
        changed = await mutateOnce(deps, inv, a);
      } catch (err) {
        failure = err;
      }
      if (changed) {
        for (const uid of previouslyInvoked) reinvoke.add(uid);
        previouslyInvoked = new Set();
      }
      if (hook.reinvocationPolicy === 'IfNeeded' && round === 0) previouslyInvoked.add(hook.uid);
      if (failure === undefined) continue;
      if (failure instanceof CallError) {
        if (hook.failurePolicy === 'Ignore') {
          log(`Failed calling webhook, failing open ${hook.name}: ${failure.message}`);
          continue;
        }
        throw failedClosed(failure);
      }
      throw failure;
    }
  }
}
