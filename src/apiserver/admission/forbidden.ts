// admission.NewForbidden's 403, shared by the built-in plugins:
// `<resource>[.<group>] "<name>" is forbidden: <why>`, the name falling back to generateName.
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { groupResource, type ResourceInfo } from '../../api/resources.js';

export const PODS = { group: '', plural: 'pods' } as const;

export function admissionForbidden(r: Pick<ResourceInfo, 'group' | 'plural'>, obj: { metadata?: KubeObject['metadata'] }, why: string): ApiError {
  const name = obj.metadata?.name || obj.metadata?.generateName || 'Unknown';
  return new ApiError('Forbidden', `${groupResource(r)} "${name}" is forbidden: ${why}`, {
    name,
    kind: r.plural,
    ...(r.group ? { group: r.group } : {}),
  });
}
