// The autoscaling/v1 Scale view of workloads (deployments, replicasets, statefulsets,
// replicationcontrollers): read from and written back into the owning object.
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { isPlainObject } from '../../api/object.js';
import { labelSelectorFromObject } from '../../api/selectors/labels.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { meta } from './meta.js';

export function toScale(obj: KubeObject): KubeObject {
  const m = meta(obj);
  const spec = isPlainObject(obj['spec']) ? obj['spec'] : {};
  const status = isPlainObject(obj['status']) ? obj['status'] : {};
  const scaleMeta: Record<string, unknown> = { name: m.name, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp };
  if (m.namespace) scaleMeta['namespace'] = m.namespace;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: scaleMeta,
    spec: { replicas: typeof spec['replicas'] === 'number' ? spec['replicas'] : 0 },
    status: { replicas: typeof status['replicas'] === 'number' ? status['replicas'] : 0, selector: selectorString(obj.kind ?? '', spec['selector']) },
  };
}

function selectorString(kind: string, selector: unknown): string {
  if (!isPlainObject(selector)) return '';
  if (kind === 'ReplicationController') {
    return Object.entries(selector)
      .map(([k, v]) => `${k}=${String(v)}`)
      .sort()
      .join(',');
  }
  return labelSelectorFromObject(selector as LabelSelector).toString();
}

/** Writes the replicas of `scale` into `obj`; checks the Scale's resourceVersion precondition. */
export function applyScale(obj: KubeObject, scale: KubeObject, currentRv: number, qualified: string): KubeObject {
  const m = meta(scale);
  const name = meta(obj).name ?? '';
  if (m.name && m.name !== name) {
    throw ApiError.badRequest(`the name of the object (${m.name}) does not match the name on the URL (${name})`);
  }
  if (m.resourceVersion && m.resourceVersion !== String(currentRv)) {
    throw ApiError.conflict(qualified, name, 'the object has been modified; please apply your changes to the latest version and try again');
  }
  const spec = isPlainObject(scale['spec']) ? scale['spec'] : {};
  const replicas = spec['replicas'];
  if (replicas !== undefined && (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)) {
    throw ApiError.invalid('Scale', name, [{ type: 'FieldValueInvalid', field: 'spec.replicas', value: replicas, detail: 'must be greater than or equal to 0' }], 'autoscaling');
  }
  const objSpec = isPlainObject(obj['spec']) ? obj['spec'] : {};
  objSpec['replicas'] = typeof replicas === 'number' ? replicas : 0;
  obj['spec'] = objSpec;
  return obj;
}
