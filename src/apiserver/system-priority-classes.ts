// The system PriorityClasses (system-node-critical, system-cluster-critical), created at
// startup when missing, as Kubernetes' scheduling post-start hook does. An existing class is
// left as it is (validation only lets it exist with the system value).
import type { KubeObject } from '../api/object.js';
import { findResource } from '../api/resources.js';
import { SYSTEM_PRIORITY_CLASSES } from '../api/validation/priority-class.js';
import type { Registries } from './registry/registries.js';
import { createIfMissing } from './registry/system-writes.js';

export async function ensureSystemPriorityClasses(registries: Registries): Promise<void> {
  const resource = findResource('scheduling.k8s.io', 'v1', 'priorityclasses');
  if (!resource) return;
  const reg = registries.for(resource);
  for (const pc of SYSTEM_PRIORITY_CLASSES) {
    const body: KubeObject = {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: pc.name },
      value: pc.value,
      description: pc.description,
    };
    await createIfMissing(reg, undefined, body, undefined);
  }
}
