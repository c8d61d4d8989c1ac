// The ClusterRole metrics-server's install manifest adds, `system:aggregated-metrics-reader`:
// read access to metrics.k8s.io, aggregated into the view, edit and admin roles so whoever may
// view pods may also `kubectl top` them. Created when missing; an existing one is left as is.
import { ApiError } from '../api/errors.js';
import type { ApiClient, ObjectLike } from '../client/client.js';

export const METRICS_READER_ROLE = 'system:aggregated-metrics-reader';

interface ClusterRole extends ObjectLike {
  rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
}

export async function ensureMetricsReaderRole(client: ApiClient): Promise<void> {
  const role: ClusterRole = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: {
      name: METRICS_READER_ROLE,
      labels: {
        'rbac.authorization.k8s.io/aggregate-to-view': 'true',
        'rbac.authorization.k8s.io/aggregate-to-edit': 'true',
        'rbac.authorization.k8s.io/aggregate-to-admin': 'true',
      },
    },
    rules: [{ apiGroups: ['metrics.k8s.io'], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] }],
  };
  try {
    await client.resource<ClusterRole>({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles' }).create(role);
  } catch (err) {
    if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
  }
}
