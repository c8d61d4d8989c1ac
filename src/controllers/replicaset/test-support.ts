// Helpers for this folder's tests: object builders, a pod-status writer standing in for the
// kubelet, and waiting on a condition with a deadline.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../../client/client.js';
import type { ResourceClient } from '../../client/resource-client.js';
import { requireResource } from '../shared/resources.js';
import type { ReplicatedObject } from './replicated-kind.js';
import { rfc3339 } from './status.js';

export const NS = 'default';
export const REPLICASETS = requireResource('apps', 'v1', 'replicasets');
export const RCS = requireResource('', 'v1', 'replicationcontrollers');
export const PODS = requireResource('', 'v1', 'pods');

export function replicaSet(name: string, replicas: number, spec: { minReadySeconds?: number } = {}): ReplicatedObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      ...spec,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name, tier: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } },
    },
  };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (last !== undefined && last !== false) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Pods of the namespace that are not being deleted, optionally only those with label app=`app`. */
export async function livePods(client: ApiClient, app?: string): Promise<Pod[]> {
  const list = await client.resource<Pod>(PODS, NS).list(app ? { labelSelector: `app=${app}` } : {});
  return list.items.filter((p) => !p.metadata?.deletionTimestamp);
}

/** What a kubelet reports for a running pod; `readySinceMs` backdates the Ready transition. */
export async function markRunning(pods: ResourceClient<Pod>, pod: Pod, options: { ready: boolean; readySinceMs?: number }): Promise<void> {
  const since = rfc3339(options.readySinceMs ?? Date.now());
  const ready = options.ready ? 'True' : 'False';
  await pods.patch(
    pod.metadata?.name ?? '',
    'merge',
    {
      status: {
        phase: 'Running',
        conditions: [
          { type: 'Ready', status: ready, lastTransitionTime: since },
          { type: 'ContainersReady', status: ready, lastTransitionTime: since },
        ],
        containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
          name: c.name,
          image: c.image ?? '',
          imageID: '',
          ready: options.ready,
          restartCount: 0,
          started: true,
          state: { running: { startedAt: since } },
        })),
      },
    },
    { subresource: 'status' },
  );
}
