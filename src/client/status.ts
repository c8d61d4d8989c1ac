// Non-2xx answers back into ApiError: the reason, code and details of the metav1.Status body
// when there is one, else a reason guessed from the HTTP code (as client-go does).
import { ApiError, StatusReasons, type Status, type StatusDetails, type StatusReason } from '../api/errors.js';
import { isPlainObject } from '../api/object.js';

const REASON_BY_CODE: Readonly<Record<number, StatusReason>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

function isStatusReason(s: unknown): s is StatusReason {
  return typeof s === 'string' && Object.hasOwn(StatusReasons, s);
}

/** A metav1.Status (success ones carry no code). No resource has kind Status, so the kind decides. */
export function isStatus(v: unknown): v is Status {
  return isPlainObject(v) && v['kind'] === 'Status';
}

/** The ApiError a Status object describes; `httpStatus` fills in what the body lacks. */
export function apiErrorFromStatus(status: unknown, httpStatus: number): ApiError {
  const s = isPlainObject(status) ? status : {};
  const code = typeof s['code'] === 'number' && s['code'] > 0 ? s['code'] : httpStatus;
  const reason = isStatusReason(s['reason']) ? s['reason'] : (REASON_BY_CODE[code] ?? 'InternalError');
  const message = typeof s['message'] === 'string' && s['message'] !== '' ? s['message'] : `the server responded with status ${code}`;
  const details = isPlainObject(s['details']) ? (s['details'] as StatusDetails) : undefined;
  return new ApiError(reason, message, details, code);
}

/** Rebuilds the error of a non-2xx response; a body that is not a Status becomes the message. */
export function apiErrorFromResponse(httpStatus: number, body: Uint8Array): ApiError {
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (isStatus(parsed)) return apiErrorFromStatus(parsed, httpStatus);
  const reason = REASON_BY_CODE[httpStatus] ?? 'InternalError';
  const message = text.trim() !== '' ? text.trim().slice(0, 1024) : `the server responded with status ${httpStatus}`;
  return new ApiError(reason, message, undefined, httpStatus);
}
