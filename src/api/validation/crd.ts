// CustomResourceDefinition (apiextensions.k8s.io/v1): names, group, scope and versions.
// Structural schema rules are not checked here.
import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';
import type { FieldError } from '../errors.js';
import { list } from './container.js';
import { duplicate, forbidden, IMMUTABLE, invalid, notSupported, required } from './field.js';
import { isDNS1035Label, isDNS1123Subdomain } from './names.js';

export function validateCustomResourceDefinition(crd: CustomResourceDefinition): FieldError[] {
  const errs: FieldError[] = [];
  const spec = crd.spec;
  if (!spec) return [required('spec')];
  const plural = spec.names?.plural ?? '';
  const name = crd.metadata?.name ?? '';
  if (name !== `${plural}.${spec.group}`) errs.push(invalid('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  if (!spec.group) errs.push(required('spec.group'));
  else {
    for (const msg of isDNS1123Subdomain(spec.group)) errs.push(invalid('spec.group', spec.group, msg));
    if (spec.group.split('.').length < 2) errs.push(invalid('spec.group', spec.group, 'should be a domain with at least one dot'));
  }
  if (spec.scope !== 'Cluster' && spec.scope !== 'Namespaced') errs.push(notSupported('spec.scope', spec.scope ?? '', ['Cluster', 'Namespaced']));
  const names = spec.names;
  if (!plural) errs.push(required('spec.names.plural'));
  else for (const msg of isDNS1035Label(plural)) errs.push(invalid('spec.names.plural', plural, msg));
  if (names?.singular) for (const msg of isDNS1035Label(names.singular)) errs.push(invalid('spec.names.singular', names.singular, msg));
  if (!names?.kind) errs.push(required('spec.names.kind', 'kind must be specified'));
  if (!names?.listKind) errs.push(required('spec.names.listKind', 'listKind must be specified'));
  else if (names.listKind === names.kind) errs.push(invalid('spec.names.listKind', names.listKind, 'kind and listKind may not be the same'));
  list(names?.shortNames).forEach((s, i) => {
    for (const msg of isDNS1035Label(s)) errs.push(invalid(`spec.names.shortNames[${i}]`, s, msg));
  });
  const versions = list(spec.versions);
  if (versions.length === 0) errs.push(invalid('spec.versions', versions, 'must have exactly one version marked as storage version'));
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    const p = `spec.versions[${i}]`;
    if (!v.name) errs.push(required(`${p}.name`));
    else {
      for (const msg of isDNS1035Label(v.name)) errs.push(invalid(`${p}.name`, v.name, msg));
      if (seen.has(v.name)) errs.push(duplicate(`${p}.name`, v.name));
      seen.add(v.name);
    }
  });
  if (versions.length > 0) {
    if (versions.filter((v) => v.storage).length !== 1)
      errs.push(invalid('spec.versions', versions.map((v) => v.name), 'must have exactly one version marked as storage version'));
    if (!versions.some((v) => v.served)) errs.push(invalid('spec.versions', versions.map((v) => v.name), 'must have at least one version marked as served'));
  }
  return errs;
}

export function validateCustomResourceDefinitionUpdate(crd: CustomResourceDefinition, old: CustomResourceDefinition): FieldError[] {
  const errs = validateCustomResourceDefinition(crd);
  if (crd.spec?.group !== old.spec?.group) errs.push(invalid('spec.group', crd.spec?.group ?? '', IMMUTABLE));
  if (crd.spec?.names?.plural !== old.spec?.names?.plural) errs.push(invalid('spec.names.plural', crd.spec?.names?.plural ?? '', IMMUTABLE));
  if (crd.spec?.scope !== old.spec?.scope && old.status?.storedVersions?.length)
    errs.push(forbidden('spec.scope', 'field is immutable once resources are stored'));
  return errs;
}
