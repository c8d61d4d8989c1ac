// Writing answers: JSON bodies (pre-encoded bytes where possible), Status errors, warnings.
import type { ServerResponse } from 'node:http';
import { ApiError, type Status } from '../../api/errors.js';
import type { ServedJson } from '../registry/encoding.js';

export const JSON_TYPE = 'application/json';

/** Sends `body`: bytes, or served JSON written piece by piece (node sends the pieces in one write). */
export function sendBytes(res: ServerResponse, code: number, body: Buffer | ServedJson, contentType = JSON_TYPE): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': body.length, 'Cache-Control': 'no-cache, private' });
  if (Buffer.isBuffer(body)) {
    res.end(body);
    return;
  }
  const chunks = body.chunks;
  const last = chunks.length - 1;
  for (let i = 0; i < last; i++) res.write(chunks[i]);
  res.end(chunks[last]);
}

export function sendJson(res: ServerResponse, code: number, value: unknown, contentType = JSON_TYPE): void {
  sendBytes(res, code, Buffer.from(JSON.stringify(value)), contentType);
}

export function sendError(res: ServerResponse, err: ApiError): void {
  sendStatus(res, err.toStatus());
}

export function sendStatus(res: ServerResponse, status: Status): void {
  if (status.code === 429 || status.code === 503) res.setHeader('Retry-After', String(status.details?.retryAfterSeconds ?? 1));
  sendJson(res, status.code, status);
}

/** `Warning: 299 - "text"` headers, as Kubernetes sends for deprecations and field warnings. */
export function setWarnings(res: ServerResponse, warnings: readonly string[]): void {
  if (warnings.length === 0 || res.headersSent) return;
  res.setHeader(
    'Warning',
    warnings.map((w) => `299 - ${JSON.stringify(w)}`),
  );
}

export function successStatus(details: Status['details']): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details };
}

export function notFoundPath(): ApiError {
  return new ApiError('NotFound', 'the server could not find the requested resource', {});
}

export function methodNotAllowed(): ApiError {
  return new ApiError('MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
}
