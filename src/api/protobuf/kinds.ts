// The top-level kinds that may arrive as protobuf bodies, by apiVersion and kind, with the
// message that encodes them. Every message these reach is in messages/.

const kinds: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  v1: {
    Namespace: 'k8s.io.api.core.v1.Namespace',
    ConfigMap: 'k8s.io.api.core.v1.ConfigMap',
    Secret: 'k8s.io.api.core.v1.Secret',
    Pod: 'k8s.io.api.core.v1.Pod',
    Service: 'k8s.io.api.core.v1.Service',
    ServiceAccount: 'k8s.io.api.core.v1.ServiceAccount',
    ResourceQuota: 'k8s.io.api.core.v1.ResourceQuota',
  },
  'apps/v1': {
    Deployment: 'k8s.io.api.apps.v1.Deployment',
  },
  'batch/v1': {
    Job: 'k8s.io.api.batch.v1.Job',
    CronJob: 'k8s.io.api.batch.v1.CronJob',
  },
  'authorization.k8s.io/v1': {
    SelfSubjectAccessReview: 'k8s.io.api.authorization.v1.SelfSubjectAccessReview',
    SelfSubjectRulesReview: 'k8s.io.api.authorization.v1.SelfSubjectRulesReview',
  },
  'rbac.authorization.k8s.io/v1': {
    Role: 'k8s.io.api.rbac.v1.Role',
    ClusterRole: 'k8s.io.api.rbac.v1.ClusterRole',
    RoleBinding: 'k8s.io.api.rbac.v1.RoleBinding',
    ClusterRoleBinding: 'k8s.io.api.rbac.v1.ClusterRoleBinding',
  },
  'scheduling.k8s.io/v1': {
    PriorityClass: 'k8s.io.api.scheduling.v1.PriorityClass',
  },
  'policy/v1': {
    PodDisruptionBudget: 'k8s.io.api.policy.v1.PodDisruptionBudget',
  },
  'autoscaling/v1': {
    HorizontalPodAutoscaler: 'k8s.io.api.autoscaling.v1.HorizontalPodAutoscaler',
  },
  'autoscaling/v2': {
    HorizontalPodAutoscaler: 'k8s.io.api.autoscaling.v2.HorizontalPodAutoscaler',
  },
  'networking.k8s.io/v1': {
    Ingress: 'k8s.io.api.networking.v1.Ingress',
  },
  'authentication.k8s.io/v1': {
    TokenRequest: 'k8s.io.api.authentication.v1.TokenRequest',
    SelfSubjectReview: 'k8s.io.api.authentication.v1.SelfSubjectReview',
  },
};

/** The message name for apiVersion+kind, or undefined when protobuf is not supported for it. */
export function messageForKind(apiVersion: string, kind: string): string | undefined {
  const byKind = Object.hasOwn(kinds, apiVersion) ? kinds[apiVersion] : undefined;
  return byKind && Object.hasOwn(byKind, kind) ? byKind[kind] : undefined;
}

export function supportedKinds(): { apiVersion: string; kind: string }[] {
  return Object.entries(kinds).flatMap(([apiVersion, byKind]) => Object.keys(byKind).map((kind) => ({ apiVersion, kind })));
}
