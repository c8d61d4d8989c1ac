// Whether the caller may read what it asked for. Aggregated API servers delegate this to the
// API server with a SubjectAccessReview (the requestheader user, groups and extra, and the
// resource attributes of the request), as metrics-server does.
import type { ApiClient, ObjectLike } from '../client/client.js';
import type { RemoteUser } from './authn.js';

export interface MetricsRequest {
  verb: 'get' | 'list';
  resource: 'nodes' | 'pods';
  namespace?: string;
  name?: string;
}

export interface Decision {
  allowed: boolean;
  reason?: string;
}

interface AccessReview extends ObjectLike {
  spec: Record<string, unknown>;
  status?: { allowed?: boolean; reason?: string };
}

export type MetricsAuthorizer = (user: RemoteUser, request: MetricsRequest) => Promise<Decision>;

export function subjectAccessReviewAuthorizer(client: ApiClient): MetricsAuthorizer {
  const reviews = client.resource<AccessReview>({ group: 'authorization.k8s.io', version: 'v1', resource: 'subjectaccessreviews' });
  return async (user, request) => {
    const review = await reviews.create({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: user.username,
        ...(user.uid ? { uid: user.uid } : {}),
        groups: user.groups,
        extra: user.extra,
        resourceAttributes: {
          group: 'metrics.k8s.io',
          version: 'v1beta1',
          resource: request.resource,
          verb: request.verb,
          ...(request.namespace !== undefined ? { namespace: request.namespace } : {}),
          ...(request.name !== undefined ? { name: request.name } : {}),
        },
      },
    });
    const reason = review.status?.reason;
    return { allowed: review.status?.allowed === true, ...(reason ? { reason } : {}) };
  };
}
