// One error type for everything the API answers with a non-2xx code. The API server turns it
// into a metav1.Status; components that call the API in-process get the same object back.

/** metav1.StatusReason values, with the HTTP code Kubernetes pairs them with. */
export const StatusReasons = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  Invalid: 422,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
} as const;

export type StatusReason = keyof typeof StatusReasons;

/** metav1.CauseType values used in `details.causes[].reason`. */
export type CauseType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueTypeInvalid'
  | 'InternalError'
  | 'FieldManagerConflict'
  | 'UnexpectedServerResponse'
  | 'ExitCode';

/** One field problem: `field` is a path like `spec.containers[0].name`. */
export interface StatusCause {
  reason?: CauseType | string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** The wire shape of a metav1.Status. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason?: StatusReason | '';
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  readonly code: number;

  constructor(
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
    code?: number,
  ) {
    super(message);
    this.name = 'ApiError';
    this.code = code ?? StatusReasons[reason];
  }

  toStatus(): Status {
    const status: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) status.details = this.details;
    return status;
  }

  /** `resource` is the plural lower-case name with its group, e.g. "pods" or "deployments.apps". */
  static notFound(resource: string, name: string): ApiError {
    return new ApiError('NotFound', `${resource} "${name}" not found`, { name, ...splitGroupResource(resource) });
  }

  static alreadyExists(resource: string, name: string): ApiError {
    return new ApiError('AlreadyExists', `${resource} "${name}" already exists`, { name, ...splitGroupResource(resource) });
  }

  static conflict(resource: string, name: string, why: string): ApiError {
    return new ApiError('Conflict', `Operation cannot be fulfilled on ${resource} "${name}": ${why}`, {
      name,
      ...splitGroupResource(resource),
    });
  }

  /**
   * 422 with field causes, worded as Kubernetes words it:
   * `Pod "bad" is invalid: spec.containers: Required value`, or with several causes
   * `Pod "bad" is invalid: [a: Required value, b: Invalid value: ...]`.
   */
  static invalid(kind: string, name: string, errors: readonly FieldError[], group = ''): ApiError {
    const texts = errors.map(formatFieldError);
    const summary = texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
    const qualified = group ? `${kind}.${group}` : kind;
    const details: StatusDetails = {
      name,
      kind,
      causes: errors.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field })),
    };
    if (group) details.group = group;
    return new ApiError('Invalid', `${qualified} "${name}" is invalid: ${summary}`, details);
  }

  static badRequest(message: string): ApiError {
    return new ApiError('BadRequest', message);
  }

  static internal(message: string): ApiError {
    return new ApiError('InternalError', `Internal error occurred: ${message}`, {
      causes: [{ message }],
    });
  }
}

function splitGroupResource(resource: string): { kind: string; group?: string } {
  const dot = resource.indexOf('.');
  if (dot < 0) return { kind: resource };
  return { kind: resource.slice(0, dot), group: resource.slice(dot + 1) };
}

/** A field-level validation error, as k8s.io/apimachinery's field.Error. */
export interface FieldError {
  type: CauseType;
  /** Path like `metadata.name` or `spec.containers[0].ports[1].containerPort`. */
  field: string;
  /** The offending value, quoted in the message for Invalid/NotSupported/Duplicate. */
  value?: unknown;
  /** Extra detail: the reason a value is invalid, or the supported values. */
  detail?: string;
}

const typeText: Partial<Record<CauseType, string>> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueTypeInvalid: 'Invalid value',
  InternalError: 'Internal error',
};

/** The part after `field: `, e.g. `Invalid value: "Bad": a lowercase RFC 1123 ...`. */
export function fieldErrorBody(e: FieldError): string {
  const head = typeText[e.type] ?? e.type;
  const showsValue =
    e.type === 'FieldValueInvalid' ||
    e.type === 'FieldValueNotSupported' ||
    e.type === 'FieldValueDuplicate' ||
    e.type === 'FieldValueNotFound' ||
    e.type === 'FieldValueTypeInvalid';
  let body = head;
  if (showsValue && e.value !== undefined) body += `: ${formatValue(e.value)}`;
  if (e.detail) body += `: ${e.detail}`;
  return body;
}

export function formatFieldError(e: FieldError): string {
  return `${e.field}: ${fieldErrorBody(e)}`;
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  // Values that carry their own text (like a Go Stringer) print it: map[string]string{…}.
  if (typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype) return String(v);
  return JSON.stringify(v);
}
