// The AdmissionReview sent to a webhook (admission.k8s.io v1 or v1beta1, whichever the
// webhook lists first) and the checks of its answer, as Kubernetes' webhook/request package.
import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../../../api/object.js';
import { isPlainObject } from '../../../api/object.js';
import { kindAt, requestResource, type Attributes } from './attributes.js';
import type { Invocation } from './rules.js';

/** The AdmissionReview versions k8ts speaks, in Kubernetes' order of preference. */
export const KNOWN_REVIEW_VERSIONS = ['v1', 'v1beta1'] as const;
export type ReviewVersion = (typeof KNOWN_REVIEW_VERSIONS)[number];

/** The first version the webhook accepts that k8ts speaks (Kubernetes walks the webhook's list). */
export function reviewVersionFor(accepted: readonly string[]): ReviewVersion | undefined {
  for (const v of accepted) if (v === 'v1' || v === 'v1beta1') return v;
  return undefined;
}

export interface ReviewRequest {
  uid: string;
  body: Buffer;
}

/** `object`/`oldObject` are already in the invocation's version. */
export function buildReview(version: ReviewVersion, inv: Invocation, a: Attributes, object: KubeObject | undefined, oldObject: KubeObject | undefined): ReviewRequest {
  const uid = randomUUID();
  const req = requestResource(a);
  const request: Record<string, unknown> = {
    uid,
    kind: inv.kind,
    resource: inv.resource,
    ...(a.subresource ? { subResource: a.subresource } : {}),
    requestKind: kindAt(a, a.requestVersion),
    requestResource: req,
    ...(a.subresource ? { requestSubResource: a.subresource } : {}),
    ...(a.name ? { name: a.name } : {}),
    ...(a.namespace ? { namespace: a.namespace } : {}),
    operation: a.operation,
    userInfo: { username: a.user.username, ...(a.user.uid ? { uid: a.user.uid } : {}), groups: a.user.groups },
    object: object ?? null,
    oldObject: oldObject ?? null,
    dryRun: a.dryRun,
    options: a.options ?? null,
  };
  const review = { kind: 'AdmissionReview', apiVersion: `admission.k8s.io/${version}`, request };
  return { uid, body: Buffer.from(JSON.stringify(review)) };
}

/** The parts of a webhook's answer admission acts on. */
export interface ReviewResponse {
  allowed: boolean;
  /** Decoded JSON patch bytes (base64 on the wire); undefined when none. */
  patch: Buffer | undefined;
  /** "JSONPatch" (v1beta1 answers with a patch are pinned to it), or what the webhook named. */
  patchType: string | undefined;
  /** The webhook's metav1.Status for a refusal (`response.status` on the wire). */
  result: Record<string, unknown> | undefined;
  warnings: string[];
}

/** Checks the answer as Kubernetes' VerifyAdmissionResponse; throws an Error with its wording. */
export function verifyResponse(version: ReviewVersion, uid: string, mutating: boolean, body: unknown): ReviewResponse {
  const review = isPlainObject(body) ? body : {};
  const r = review['response'];
  if (!isPlainObject(r)) throw new Error('webhook response was absent');
  const patchText = typeof r['patch'] === 'string' ? r['patch'] : '';
  const patchType = r['patchType'];
  if (version === 'v1') {
    if (r['uid'] !== uid) throw new Error(`expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(typeof r['uid'] === 'string' ? r['uid'] : '')}`);
    const [group, apiVersion] = typeof review['apiVersion'] === 'string' && review['apiVersion'].includes('/') ? review['apiVersion'].split('/') : ['', typeof review['apiVersion'] === 'string' ? review['apiVersion'] : ''];
    const kind = typeof review['kind'] === 'string' ? review['kind'] : '';
    if (group !== 'admission.k8s.io' || apiVersion !== 'v1' || kind !== 'AdmissionReview') {
      const got = `${group ? `${group}/` : ''}${apiVersion ?? ''}, Kind=${kind}`;
      throw new Error(`expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${got}`);
    }
    if (mutating) {
      if (patchText && patchType === undefined) throw new Error('webhook returned response.patch but not response.patchType');
      if (!patchText && patchType !== undefined) throw new Error('webhook returned response.patchType but not response.patch');
      if (patchType !== undefined && (typeof patchType !== 'string' || patchType === '')) throw new Error(`webhook returned invalid response.patchType of ${JSON.stringify(patchType)}`);
    } else {
      if (patchText) throw new Error('validating webhook may not return response.patch');
      if (patchType !== undefined) throw new Error('validating webhook may not return response.patchType');
    }
  }
  const warnings = Array.isArray(r['warnings']) ? r['warnings'].filter((w): w is string => typeof w === 'string') : [];
  return {
    allowed: r['allowed'] === true,
    patch: mutating && patchText ? Buffer.from(patchText, 'base64') : undefined,
    patchType: mutating && patchText ? (version === 'v1' && typeof patchType === 'string' ? patchType : 'JSONPatch') : undefined,
    result: isPlainObject(r['status']) ? r['status'] : undefined,
    warnings,
  };
}
