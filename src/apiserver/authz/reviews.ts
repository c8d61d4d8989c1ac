// The answers of the authorization.k8s.io reviews, from the same authorizer that guards
// requests: SubjectAccessReview (any user, for admins), LocalSubjectAccessReview (one
// namespace), SelfSubjectAccessReview (the requester) and SelfSubjectRulesReview (what the
// requester may do in a namespace, as `kubectl auth can-i --list` shows).
import { ApiError, type FieldError } from '../../api/errors.js';
import { isPlainObject } from '../../api/object.js';
import type { UserInfo } from '../authn/user.js';
import type { NonResourceAttributes, RequestAttributes, ResourceAttributes } from './attributes.js';
import type { Authorizer } from './authorizer.js';

export type AccessReviewKind = 'SubjectAccessReview' | 'LocalSubjectAccessReview' | 'SelfSubjectAccessReview';

function str(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  return typeof v === 'string' ? v : '';
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

/** The attributes a review's spec asks about; invalid specs are rejected as Kubernetes does. */
function specAttributes(kind: AccessReviewKind, spec: Record<string, unknown>, urlNamespace: string | undefined): RequestAttributes {
  const ra = spec['resourceAttributes'];
  const nra = spec['nonResourceAttributes'];
  const errors: FieldError[] = [];
  if (isPlainObject(ra) === isPlainObject(nra)) {
    errors.push({ type: 'FieldValueInvalid', field: 'spec.resourceAttributes', value: ra ?? null, detail: 'exactly one of nonResourceAttributes or resourceAttributes must be specified' });
  }
  if (kind === 'LocalSubjectAccessReview') {
    if (isPlainObject(nra)) errors.push({ type: 'FieldValueInvalid', field: 'spec.nonResourceAttributes', value: nra, detail: 'disallowed on this kind of request' });
    const ns = isPlainObject(ra) ? str(ra, 'namespace') : '';
    if (isPlainObject(ra) && ns !== '' && ns !== urlNamespace) {
      errors.push({ type: 'FieldValueInvalid', field: 'spec.resourceAttributes.namespace', value: ns, detail: 'must match metadata.namespace' });
    }
  }
  if (errors.length > 0) throw ApiError.invalid(kind, '', errors, 'authorization.k8s.io');
  if (isPlainObject(nra)) {
    const a: NonResourceAttributes = { kind: 'nonResource', verb: str(nra, 'verb'), path: str(nra, 'path') };
    return a;
  }
  const r = isPlainObject(ra) ? ra : {};
  const a: ResourceAttributes = {
    kind: 'resource',
    verb: str(r, 'verb'),
    apiGroup: str(r, 'group'),
    apiVersion: str(r, 'version'),
    resource: str(r, 'resource'),
    subresource: str(r, 'subresource'),
    namespace: kind === 'LocalSubjectAccessReview' ? (urlNamespace ?? '') : str(r, 'namespace'),
    name: str(r, 'name'),
  };
  return a;
}

/** The `status` of an access review. Kubernetes' RBAC never denies outright: `denied` stays unset. */
export function accessReviewStatus(
  authorizer: Authorizer,
  kind: AccessReviewKind,
  spec: Record<string, unknown>,
  requester: UserInfo,
  urlNamespace: string | undefined,
): Record<string, unknown> {
  let user: UserInfo = requester;
  if (kind !== 'SelfSubjectAccessReview') {
    const username = str(spec, 'user');
    const groups = strings(spec['groups']);
    if (!username && groups.length === 0) {
      throw ApiError.invalid(kind, '', [{ type: 'FieldValueInvalid', field: 'spec.user', value: '', detail: 'at least one of user or group must be specified' }], 'authorization.k8s.io');
    }
    const uid = str(spec, 'uid');
    user = { username, groups, ...(uid ? { uid } : {}) };
  }
  const decision = authorizer.authorize(user, specAttributes(kind, spec, urlNamespace));
  return { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) };
}

export function rulesReviewStatus(authorizer: Authorizer, spec: Record<string, unknown>, requester: UserInfo): Record<string, unknown> {
  const rules = authorizer.rulesFor(requester, str(spec, 'namespace'));
  return {
    resourceRules: rules.resourceRules,
    nonResourceRules: rules.nonResourceRules,
    incomplete: rules.incomplete,
    ...(rules.evaluationError ? { evaluationError: rules.evaluationError } : {}),
  };
}
