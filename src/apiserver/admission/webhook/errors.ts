// The answers Kubernetes gives when a webhook refuses a request or cannot be called.
import { ApiError, StatusReasons, type StatusDetails, type StatusReason } from '../../../api/errors.js';
import { isPlainObject } from '../../../api/object.js';

/**
 * A webhook could not be called or answered wrongly (Kubernetes' ErrCallingWebhook): the
 * failurePolicy decides. Its message is `failed calling webhook "NAME": REASON`.
 */
export class CallError extends Error {
  constructor(webhookName: string, reason: string) {
    super(`failed calling webhook ${JSON.stringify(webhookName)}: ${reason}`);
  }
}

/** failurePolicy Fail: a 500 whose message and cause carry the call error. */
export function failedClosed(err: CallError): ApiError {
  return ApiError.internal(err.message);
}

function isStatusReason(v: unknown): v is StatusReason {
  return typeof v === 'string' && Object.hasOwn(StatusReasons, v);
}

/** A refusal keeps the webhook's reason (the empty one too); ApiError's reason is typed to the known ones. */
class WebhookRefusal extends ApiError {
  constructor(private readonly refusalReason: StatusReason | '', message: string, details: StatusDetails | undefined, code: number) {
    super(refusalReason === '' ? 'BadRequest' : refusalReason, message, details, code);
  }

  override toStatus(): ReturnType<ApiError['toStatus']> {
    return { ...super.toStatus(), reason: this.refusalReason };
  }
}

/**
 * `allowed: false`: the webhook's status, as Kubernetes' ToStatusErr builds it — its code
 * (below 400 raised to 400), reason and details, the message prefixed with
 * `admission webhook "NAME" denied the request`. Reasons unknown to k8ts are dropped.
 */
export function refusal(webhookName: string, result: Record<string, unknown> | undefined): ApiError {
  const deniedBy = `admission webhook ${JSON.stringify(webhookName)} denied the request`;
  const message = typeof result?.['message'] === 'string' ? result['message'] : '';
  const reason = result?.['reason'];
  const text = message ? `${deniedBy}: ${message}` : typeof reason === 'string' && reason ? `${deniedBy}: ${reason}` : `${deniedBy} without explanation`;
  const rawCode = result?.['code'];
  const code = typeof rawCode === 'number' && Number.isInteger(rawCode) && rawCode >= 400 ? rawCode : 400;
  const details = isPlainObject(result?.['details']) ? (result['details'] as StatusDetails) : undefined;
  return new WebhookRefusal(isStatusReason(reason) ? reason : '', text, details, code);
}

/** A dry run meets a webhook that may have side effects. */
export function dryRunUnsupported(webhookName: string): ApiError {
  return ApiError.badRequest(`admission webhook ${JSON.stringify(webhookName)} does not support dry run`);
}
