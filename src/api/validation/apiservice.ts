// APIService (apiregistration.k8s.io/v1), as kube-aggregator's ValidateAPIService: the name is
// `<version>.<group>`, group a DNS subdomain (empty only for the legacy v1), version a DNS-1035
// label, both priorities in range, and a local APIService (no service) has no TLS settings.
import type { APIService } from '../apiregistration.js';
import type { FieldError } from '../errors.js';
import { invalid, required } from './field.js';
import { isDNS1035Label, isDNS1123Subdomain } from './names.js';

export function validateAPIService(s: APIService): FieldError[] {
  const errs: FieldError[] = [];
  const spec = s.spec ?? {};
  const group = spec.group ?? '';
  const version = spec.version ?? '';
  const name = s.metadata?.name ?? '';
  if (name !== `${version}.${group}`) errs.push(invalid('metadata.name', name, 'must be `spec.version+"."+spec.group`'));
  if (group === '' && version !== 'v1') errs.push(required('spec.group', 'only v1 may have an empty group and it better be legacy kube'));
  if (group !== '') for (const msg of isDNS1123Subdomain(group)) errs.push(invalid('spec.group', group, msg));
  for (const msg of isDNS1035Label(version)) errs.push(invalid('spec.version', version, msg));
  const gpm = spec.groupPriorityMinimum ?? 0;
  if (gpm <= 0 || gpm > 20000) errs.push(invalid('spec.groupPriorityMinimum', gpm, 'must be positive and less than 20000'));
  const vp = spec.versionPriority ?? 0;
  if (vp <= 0 || vp > 1000) errs.push(invalid('spec.versionPriority', vp, 'must be positive and less than 1000'));
  const service = spec.service ?? undefined;
  if (!service) {
    if (spec.caBundle) errs.push(invalid('spec.caBundle', '', 'local APIServices may not have a caBundle'));
    if (spec.insecureSkipTLSVerify) errs.push(invalid('spec.insecureSkipTLSVerify', true, 'local APIServices may not have insecureSkipTLSVerify'));
    return errs;
  }
  if (!service.namespace) errs.push(required('spec.service.namespace'));
  if (!service.name) errs.push(required('spec.service.name'));
  const port = service.port ?? 0;
  if (!Number.isInteger(port) || port < 1 || port > 65535) errs.push(invalid('spec.service.port', port, 'must be between 1 and 65535, inclusive'));
  if (spec.insecureSkipTLSVerify && spec.caBundle) errs.push(invalid('spec.insecureSkipTLSVerify', true, 'may not be true if caBundle is present'));
  return errs;
}
