// What the eviction subresource checks before deleting a pod: its PodDisruptionBudget, as
// Kubernetes' eviction REST does. One matching budget with disruptionsAllowed > 0 is
// decremented (and the pod recorded in status.disruptedPods) before the delete; none left →
// 429 TooManyRequests; several budgets for one pod → 500, as Kubernetes answers.
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { findResource } from '../../api/resources.js';
import { labelSelectorFromObject } from '../../api/selectors/labels.js';
import type { WriteContext } from '../registry/types.js';
import type { Registries } from '../registry/registries.js';

const VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget.";

function isTerminal(pod: KubeObject): boolean {
  const status = pod['status'] as { phase?: string } | undefined;
  return status?.phase === 'Succeeded' || status?.phase === 'Failed';
}

function isReady(pod: KubeObject): boolean {
  const status = pod['status'] as { conditions?: { type?: string; status?: string }[] } | undefined;
  return (status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function tooManyRequests(message: string): ApiError {
  return new ApiError('TooManyRequests', VIOLATION, { causes: [{ reason: 'DisruptionBudget', message }] });
}

/** Throws when evicting `pod` now would violate its budget; otherwise takes one disruption. */
export async function takeDisruption(registries: Registries, pod: KubeObject, wctx: WriteContext, now: string): Promise<void> {
  if (isTerminal(pod)) return;
  const ns = pod.metadata?.namespace ?? '';
  const pdbs = findResource('policy', 'v1', 'poddisruptionbudgets');
  if (!pdbs) return;
  const labels = pod.metadata?.labels ?? {};
  const page = await registries.for(pdbs).list(ns, { resourceVersion: '' });
  const matching = page.items
    .map((s) => s.obj as PodDisruptionBudget & KubeObject)
    .filter((b) => {
      const sel = b.spec?.selector;
      return sel !== undefined && labelSelectorFromObject(sel).matches(labels) && !labelSelectorFromObject(sel).empty;
    });
  if (matching.length === 0) return;
  if (matching.length > 1) {
    throw ApiError.internal('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  }
  const budget = matching[0];
  const name = budget?.metadata?.name ?? '';
  // An unhealthy pod may go when the budget is met anyway (policy IfHealthyBudget) or always.
  if (!isReady(pod)) {
    const policy = budget?.spec?.unhealthyPodEvictionPolicy ?? 'IfHealthyBudget';
    const st = budget?.status;
    if (policy === 'AlwaysAllow' || (st && st.currentHealthy >= st.desiredHealthy && st.desiredHealthy > 0)) return;
  }
  await registries.for(pdbs).mutate(
    ns,
    name,
    wctx,
    (current) => {
      const b = current as PodDisruptionBudget & KubeObject;
      const status = b.status;
      if (!status || (status.observedGeneration ?? 0) < (b.metadata?.generation ?? 0)) {
        throw tooManyRequests(`The disruption budget ${name} is still being processed by the server.`);
      }
      if (status.disruptionsAllowed <= 0) {
        throw tooManyRequests(`The disruption budget ${name} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently`);
      }
      status.disruptionsAllowed -= 1;
      status.disruptedPods = { ...(status.disruptedPods ?? {}), [pod.metadata?.name ?? '']: now };
      return b;
    },
    { subresource: 'status' },
  );
}
