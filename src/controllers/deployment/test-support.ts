// Helpers for this folder's tests: a Deployment builder, kubectl's rollout-status verdict, and
// waiting on a condition with a deadline.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { findResource, type ResourceInfo } from '../../api/resources.js';
import type { ApiClient } from '../../client/client.js';

function resource(group: string, version: string, plural: string): ResourceInfo {
  const r = findResource(group, version, plural);
  if (!r) throw new Error(`no ${plural}`);
  return r;
}

export const NS = 'default';
export const DEPLOYMENTS = resource('apps', 'v1', 'deployments');
export const REPLICASETS = resource('apps', 'v1', 'replicasets');
export const PODS = resource('', 'v1', 'pods');

export function deployment(name: string, replicas: number, spec: Partial<NonNullable<Deployment['spec']>> = {}, image = 'nginx:1.27'): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image }] } },
      ...spec,
    },
  };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** What `kubectl rollout status deployment/<name>` decides from one read of the Deployment. */
export function rolloutStatus(d: Deployment): { done: boolean; message: string } | { error: string } {
  const name = d.metadata?.name ?? '';
  const s = d.status ?? {};
  if ((d.metadata?.generation ?? 0) > (s.observedGeneration ?? 0)) return { done: false, message: 'Waiting for deployment spec update to be observed...' };
  const progressing = s.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') return { error: `deployment "${name}" exceeded its progress deadline` };
  const replicas = d.spec?.replicas ?? 1;
  const updated = s.updatedReplicas ?? 0;
  if (updated < replicas) return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${replicas} new replicas have been updated...` };
  if ((s.replicas ?? 0) > updated) return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${(s.replicas ?? 0) - updated} old replicas are pending termination...` };
  if ((s.availableReplicas ?? 0) < updated) return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${s.availableReplicas ?? 0} of ${updated} updated replicas are available...` };
  return { done: true, message: `deployment "${name}" successfully rolled out` };
}

/** Resolves with the Deployment once `kubectl rollout status` would report success. */
export async function rolledOut(client: ApiClient, name: string): Promise<Deployment> {
  return waitFor(`rollout of ${name}`, async () => {
    const d = await client.resource<Deployment>(DEPLOYMENTS, NS).get(name);
    const verdict = rolloutStatus(d);
    if ('error' in verdict) throw new Error(verdict.error);
    return verdict.done ? d : undefined;
  });
}

export async function replicaSetsOf(client: ApiClient, app: string): Promise<ReplicaSet[]> {
  return (await client.resource<ReplicaSet>(REPLICASETS, NS).list({ labelSelector: `app=${app}` })).items;
}

export async function livePods(client: ApiClient, app: string): Promise<Pod[]> {
  const list = await client.resource<Pod>(PODS, NS).list({ labelSelector: `app=${app}` });
  return list.items.filter((p) => !p.metadata?.deletionTimestamp);
}

export function isReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}
