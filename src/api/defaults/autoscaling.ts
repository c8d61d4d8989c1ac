// autoscaling/v2 HorizontalPodAutoscaler defaults (Kubernetes v1.33): minReplicas 1, a CPU
// utilization target of 80% when no metric is given, and the scaling rules filled in
// wherever `behavior` is given.
import type { HorizontalPodAutoscaler, HPAScalingRules } from 'kubernetes-types/autoscaling/v2.js';

export const DEFAULT_CPU_UTILIZATION = 80;

function scaleUpRules(r: HPAScalingRules | undefined): HPAScalingRules {
  const rules = r ?? {};
  rules.stabilizationWindowSeconds ??= 0;
  rules.selectPolicy ??= 'Max';
  rules.policies ??= [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ];
  return rules;
}

function scaleDownRules(r: HPAScalingRules | undefined): HPAScalingRules {
  const rules = r ?? {};
  rules.stabilizationWindowSeconds ??= 300;
  rules.selectPolicy ??= 'Max';
  rules.policies ??= [{ type: 'Percent', value: 100, periodSeconds: 15 }];
  return rules;
}

export function defaultHorizontalPodAutoscaler(hpa: HorizontalPodAutoscaler): void {
  hpa.spec ??= { maxReplicas: 0, scaleTargetRef: { kind: '', name: '' } };
  const spec = hpa.spec;
  spec.minReplicas ??= 1;
  if (!spec.metrics?.length)
    spec.metrics = [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } },
    ];
  if (spec.behavior) {
    spec.behavior.scaleUp = scaleUpRules(spec.behavior.scaleUp);
    spec.behavior.scaleDown = scaleDownRules(spec.behavior.scaleDown);
  }
}
