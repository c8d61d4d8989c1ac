// One webhook of a Mutating- or ValidatingWebhookConfiguration, with the defaults Kubernetes'
// v1 defaulting fills in and its selectors parsed once (not per request).
import type { MutatingWebhook, ValidatingWebhook, WebhookClientConfig } from 'kubernetes-types/admissionregistration/v1.js';
import { ApiError } from '../../../api/errors.js';
import type { KubeObject } from '../../../api/object.js';
import { labelSelectorFromObject, type LabelMatcher } from '../../../api/selectors/labels.js';

export type WebhookKind = 'mutating' | 'validating';

/** admissionregistration/v1 RuleWithOperations (kubernetes-types leaves out the fields its embedded Rule inlines). */
export interface Rule {
  operations?: readonly string[];
  apiGroups?: readonly string[];
  apiVersions?: readonly string[];
  resources?: readonly string[];
  scope?: string;
}

/** A parsed selector, or the error Kubernetes answers with when a matching request meets it. */
export type ParsedSelector = { ok: true; matcher: LabelMatcher } | { ok: false; error: ApiError };

export interface Webhook {
  /** Unique among the configurations of one kind: `<configuration>/<index>` (Kubernetes' accessor UID). */
  uid: string;
  configurationName: string;
  name: string;
  kind: WebhookKind;
  rules: readonly Rule[];
  matchPolicy: 'Exact' | 'Equivalent';
  namespaceSelector: ParsedSelector;
  objectSelector: ParsedSelector;
  failurePolicy: 'Fail' | 'Ignore';
  /** undefined only in objects stored before validation existed (Kubernetes then refuses dry runs). */
  sideEffects: string | undefined;
  timeoutSeconds: number;
  admissionReviewVersions: readonly string[];
  clientConfig: WebhookClientConfig;
  reinvocationPolicy: 'Never' | 'IfNeeded';
}

/** Kubernetes' default webhook timeout (v1). */
export const DEFAULT_TIMEOUT_SECONDS = 10;

function parseSelector(selector: MutatingWebhook['namespaceSelector']): ParsedSelector {
  try {
    return { ok: true, matcher: labelSelectorFromObject(selector) };
  } catch (err) {
    // Kubernetes answers a request the webhook's rules match with an internal error then.
    return { ok: false, error: ApiError.internal(err instanceof Error ? err.message : String(err)) };
  }
}

/** The webhooks of one configuration object, in their order there. */
export function webhooksOf(config: KubeObject, kind: WebhookKind): Webhook[] {
  const configurationName = config.metadata?.name ?? '';
  const list = Array.isArray(config['webhooks']) ? (config['webhooks'] as (MutatingWebhook | ValidatingWebhook)[]) : [];
  return list.map((w, i) => ({
    uid: `${configurationName}/${i}`,
    configurationName,
    name: w.name,
    kind,
    rules: (w.rules ?? []) as readonly Rule[],
    matchPolicy: w.matchPolicy === 'Exact' ? 'Exact' : 'Equivalent',
    namespaceSelector: parseSelector(w.namespaceSelector),
    objectSelector: parseSelector(w.objectSelector),
    failurePolicy: w.failurePolicy === 'Ignore' ? 'Ignore' : 'Fail',
    sideEffects: w.sideEffects,
    timeoutSeconds: w.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
    admissionReviewVersions: w.admissionReviewVersions ?? [],
    clientConfig: w.clientConfig,
    reinvocationPolicy: kind === 'mutating' && (w as MutatingWebhook).reinvocationPolicy === 'IfNeeded' ? 'IfNeeded' : 'Never',
  }));
}
