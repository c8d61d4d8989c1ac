// The checks Kubernetes makes of a webhook configuration that decide whether k8ts can call
// it: admissionReviewVersions must include a version k8ts speaks, sideEffects must be
// None or NoneOnDryRun (v1), clientConfig must name a URL or a service. Kubernetes checks
// more (webhook names, rule shapes, URL forms); those are not repeated here.
import { ApiError, type FieldError } from '../../../api/errors.js';
import type { KubeObject } from '../../../api/object.js';
import { KNOWN_REVIEW_VERSIONS } from './review.js';
import { isPlainObject } from '../../../api/object.js';

/** A string list as Go's %v of a []string value prints it in field errors. */
class GoStrings {
  constructor(private readonly items: readonly string[]) {}
  toString(): string {
    return `[]string{${this.items.map((i) => JSON.stringify(i)).join(', ')}}`;
  }
}

const SIDE_EFFECTS = ['None', 'NoneOnDryRun'];

export function validateWebhookConfiguration(config: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  const webhooks = Array.isArray(config['webhooks']) ? config['webhooks'] : [];
  webhooks.forEach((w: unknown, i) => {
    const path = `webhooks[${i}]`;
    const hook = isPlainObject(w) ? w : {};
    const versions = Array.isArray(hook['admissionReviewVersions']) ? hook['admissionReviewVersions'].filter((v): v is string => typeof v === 'string') : [];
    if (versions.length === 0) {
      errors.push({ type: 'FieldValueRequired', field: `${path}.admissionReviewVersions`, detail: `must specify one of ${KNOWN_REVIEW_VERSIONS.join(', ')}` });
    } else if (!versions.some((v) => (KNOWN_REVIEW_VERSIONS as readonly string[]).includes(v))) {
      errors.push({
        type: 'FieldValueInvalid',
        field: `${path}.admissionReviewVersions`,
        value: new GoStrings(versions),
        detail: `must include at least one of ${KNOWN_REVIEW_VERSIONS.join(', ')}`,
      });
    }
    const sideEffects = hook['sideEffects'];
    if (sideEffects === undefined || sideEffects === '') {
      errors.push({ type: 'FieldValueRequired', field: `${path}.sideEffects`, detail: `must specify one of ${SIDE_EFFECTS.join(', ')}` });
    } else if (typeof sideEffects !== 'string' || !SIDE_EFFECTS.includes(sideEffects)) {
      errors.push({ type: 'FieldValueNotSupported', field: `${path}.sideEffects`, value: sideEffects, detail: `supported values: ${SIDE_EFFECTS.map((s) => JSON.stringify(s)).join(', ')}` });
    }
    const client = isPlainObject(hook['clientConfig']) ? hook['clientConfig'] : {};
    const hasUrl = typeof client['url'] === 'string';
    const hasService = isPlainObject(client['service']);
    if (hasUrl === hasService) {
      errors.push({ type: 'FieldValueRequired', field: `${path}.clientConfig`, detail: 'exactly one of url or service is required' });
    }
  });
  return errors;
}

/** Throws the 422 Kubernetes answers with when the configuration does not pass. */
export function checkWebhookConfiguration(config: KubeObject): void {
  const errors = validateWebhookConfiguration(config);
  if (errors.length > 0) throw ApiError.invalid(config.kind ?? '', config.metadata?.name ?? '', errors, 'admissionregistration.k8s.io');
}
