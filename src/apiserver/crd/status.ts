// The status Kubernetes' apiextensions controllers give a CustomResourceDefinition: accepted
// names and the NamesAccepted condition (naming controller), Established (establishing
// controller), Terminating (finalizer), and storedVersions (the CRD strategy). Pure functions:
// the controller decides when to write what these compute.
import type {
  CustomResourceDefinition, CustomResourceDefinitionCondition, CustomResourceDefinitionNames, CustomResourceDefinitionStatus,
} from 'kubernetes-types/apiextensions/v1.js';
import type { ResourceInfo } from '../../api/resources.js';

export const CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

type Condition = CustomResourceDefinitionCondition;

export function condition(crd: CustomResourceDefinition, type: string): Condition | undefined {
  return crd.status?.conditions?.find((c) => c.type === type);
}

export function isConditionTrue(crd: CustomResourceDefinition, type: string): boolean {
  return condition(crd, type)?.status === 'True';
}

/**
 * Sets a condition, keeping its lastTransitionTime when its status does not change (as
 * Kubernetes' SetCRDCondition does); conditions stay in the order they were first set.
 */
export function setCondition(conditions: Condition[], next: Omit<Condition, 'lastTransitionTime'>, now: string): Condition[] {
  const i = conditions.findIndex((c) => c.type === next.type);
  const old = conditions[i];
  const lastTransitionTime = old && old.status === next.status ? (old.lastTransitionTime ?? now) : now;
  const c: Condition = { type: next.type, status: next.status, lastTransitionTime, ...(next.reason ? { reason: next.reason } : {}), ...(next.message ? { message: next.message } : {}) };
  const out = [...conditions];
  if (i >= 0) out[i] = c;
  else out.push(c);
  return out;
}

/** Names another resource of the same group already uses, by kind of name. */
interface TakenNames {
  plurals: Set<string>;
  singulars: Set<string>;
  shortNames: Set<string>;
  kinds: Set<string>;
  listKinds: Set<string>;
}

function takenNames(group: string, self: string, others: readonly CustomResourceDefinition[], builtIn: readonly ResourceInfo[]): TakenNames {
  const t: TakenNames = { plurals: new Set(), singulars: new Set(), shortNames: new Set(), kinds: new Set(), listKinds: new Set() };
  for (const o of others) {
    if (o.metadata?.name === self || o.spec?.group !== group) continue;
    const n = o.status?.acceptedNames;
    if (!n) continue;
    add(t, n);
  }
  for (const r of builtIn) {
    if (r.group !== group || r.custom) continue;
    add(t, { plural: r.plural, singular: r.singular, shortNames: [...r.shortNames], kind: r.kind, listKind: r.listKind });
  }
  return t;
}

function add(t: TakenNames, n: CustomResourceDefinitionNames): void {
  if (n.plural) t.plurals.add(n.plural);
  if (n.singular) t.singulars.add(n.singular);
  for (const s of n.shortNames ?? []) t.shortNames.add(s);
  if (n.kind) t.kinds.add(n.kind);
  if (n.listKind) t.listKinds.add(n.listKind);
}

/** The first conflict of the wanted names with those taken, as the naming controller words it. */
function conflict(wanted: CustomResourceDefinitionNames, t: TakenNames): { reason: string; message: string } | undefined {
  if (t.plurals.has(wanted.plural) || t.singulars.has(wanted.plural)) return { reason: 'PluralConflict', message: `"${wanted.plural}" is already in use` };
  const singular = wanted.singular ?? '';
  if (singular && (t.plurals.has(singular) || t.singulars.has(singular))) return { reason: 'SingularConflict', message: `"${singular}" is already in use` };
  for (const s of wanted.shortNames ?? []) {
    if (t.shortNames.has(s) || t.plurals.has(s) || t.singulars.has(s)) return { reason: 'ShortNamesConflict', message: `"${s}" is already in use` };
  }
  if (t.kinds.has(wanted.kind) || t.listKinds.has(wanted.kind)) return { reason: 'KindConflict', message: `"${wanted.kind}" is already in use` };
  const listKind = wanted.listKind ?? '';
  if (listKind && (t.kinds.has(listKind) || t.listKinds.has(listKind))) return { reason: 'ListKindConflict', message: `"${listKind}" is already in use` };
  return undefined;
}

/**
 * The status the controllers would write for `crd`, given the other CRDs (with their accepted
 * names) and the built-in resources. Not for a CRD being deleted.
 */
export function desiredStatus(
  crd: CustomResourceDefinition,
  others: readonly CustomResourceDefinition[],
  builtIn: readonly ResourceInfo[],
  now: string,
): CustomResourceDefinitionStatus {
  const status = crd.status ?? {};
  const wanted = crd.spec?.names ?? { kind: '', plural: '' };
  const found = conflict(wanted, takenNames(crd.spec?.group ?? '', crd.metadata?.name ?? '', others, builtIn));
  let conditions = [...(status.conditions ?? [])];
  let acceptedNames = status.acceptedNames ?? { kind: '', plural: '' };
  if (found) {
    conditions = setCondition(conditions, { type: 'NamesAccepted', status: 'False', ...found }, now);
  } else {
    acceptedNames = wanted;
    conditions = setCondition(conditions, { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' }, now);
  }
  const established = conditions.find((c) => c.type === 'Established')?.status === 'True';
  if (!established) {
    conditions = found
      ? setCondition(conditions, { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' }, now)
      : setCondition(conditions, { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }, now);
  }
  const storage = crd.spec?.versions?.find((v) => v.storage)?.name;
  const storedVersions = [...(status.storedVersions ?? [])];
  if (storage && !storedVersions.includes(storage)) storedVersions.push(storage);
  return { acceptedNames, conditions, storedVersions };
}
