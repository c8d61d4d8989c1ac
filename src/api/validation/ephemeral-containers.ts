// Writes through pods/ephemeralcontainers (ValidatePodEphemeralContainersUpdate, Kubernetes
// v1.33): ephemeral containers are only ever added. A new one is a container without ports,
// probes, lifecycle hooks, resources or subPath mounts, named uniquely in the pod, whose
// targetContainerName (if any) names one of the pod's containers; existing ones may be neither
// changed nor removed. The rest of the spec is the stored one (the registry keeps it).
import type { Container, EphemeralContainer, Pod } from 'kubernetes-types/core/v1.js';
import type { FieldError } from '../errors.js';
import { list, validateContainer, validateContainerNames } from './container.js';
import { jsonEqual } from './equal.js';
import { forbidden, notFound } from './field.js';

/** Fields an ephemeral container may not have (they would make no sense for a debugging process). */
const NOT_FOR_EPHEMERAL = ['lifecycle', 'livenessProbe', 'ports', 'readinessProbe', 'resizePolicy', 'startupProbe', 'restartPolicy'] as const;
const NOT_ALLOWED = 'cannot be set for an Ephemeral Container';

export function validatePodEphemeralContainersUpdate(pod: Pod, old: Pod): FieldError[] {
  const path = 'spec.ephemeralContainers';
  const spec = pod.spec ?? { containers: [] };
  const ephemeral = list(spec.ephemeralContainers);
  const regular = [...list(spec.containers), ...list(spec.initContainers)];
  const volumes = new Set(list(spec.volumes).map((v) => v.name));
  const names = new Set(regular.flatMap((c) => (c.name ? [c.name] : [])));
  const targets = new Set(names);
  const errs = validateContainerNames(ephemeral, path, names);
  ephemeral.forEach((ec, i) => errs.push(...validateEphemeralContainer(ec, `${path}[${i}]`, volumes, targets)));
  for (const before of list(old.spec?.ephemeralContainers)) {
    const now = ephemeral.find((ec) => ec.name === before.name);
    if (!now) errs.push(forbidden(path, `existing ephemeral containers "${before.name}" may not be removed`));
    else if (!jsonEqual(now, before)) errs.push(forbidden(path, `existing ephemeral containers "${before.name}" may not be changed`));
  }
  return errs;
}

function validateEphemeralContainer(ec: EphemeralContainer, path: string, volumes: ReadonlySet<string>, targets: ReadonlySet<string>): FieldError[] {
  const errs: FieldError[] = [];
  const rest: Record<string, unknown> = { ...ec };
  for (const f of NOT_FOR_EPHEMERAL) {
    if (rest[f] !== undefined && rest[f] !== null) errs.push(forbidden(`${path}.${f}`, NOT_ALLOWED));
    delete rest[f];
  }
  const resources = ec.resources ?? {};
  if (Object.values(resources).some((v) => v !== undefined && v !== null && (typeof v !== 'object' || Object.keys(v).length > 0)))
    errs.push(forbidden(`${path}.resources`, NOT_ALLOWED));
  delete rest['resources'];
  list(ec.volumeMounts).forEach((m, i) => {
    if (m.subPath) errs.push(forbidden(`${path}.volumeMounts[${i}].subPath`, NOT_ALLOWED));
  });
  if (ec.targetContainerName && !targets.has(ec.targetContainerName)) errs.push(notFound(`${path}.targetContainerName`, ec.targetContainerName));
  delete rest['targetContainerName'];
  errs.push(...validateContainer(rest as unknown as Container, path, { kind: 'container', volumes }));
  return errs;
}
