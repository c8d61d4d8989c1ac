// GET /containerLogs/{ns}/{pod}/{container}: the query of a PodLogOptions (follow, tailLines,
// sinceSeconds, sinceTime, timestamps, limitBytes, previous) is validated here and handed to
// the log reader; its chunks are streamed as text/plain, each flushed as it comes (kubectl
// logs -f shows lines as they are written and exits when the stream ends).
import type { ServerResponse } from 'node:http';
import { ApiError } from '../../api/errors.js';
import { NotFoundError } from '../runtime/runtime.js';
import { queryFlag } from './paths.js';

export interface LogOptions {
  follow: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: Date;
  timestamps: boolean;
  limitBytes?: number;
  previous: boolean;
}

export interface ContainerLogRequest extends LogOptions {
  namespace: string;
  pod: string;
  container: string;
  /** The current (or most recent) container of that name, as resolvePod reported it. */
  containerId: string;
  sandboxId: string;
}

/** Reads a container's log; ends when the log ends, or (follow) when `signal` aborts. */
export type ReadLogs = (request: ContainerLogRequest, signal: AbortSignal) => AsyncIterable<Uint8Array>;

/** A log that cannot be served, with the HTTP code to answer (e.g. 400 for a missing previous container). */
export class LogRequestError extends Error {
  constructor(
    message: string,
    readonly code: 400 | 404,
  ) {
    super(message);
    this.name = 'LogRequestError';
  }
}

function intParam(query: URLSearchParams, name: string, min: number): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw ApiError.badRequest(`invalid ${name} ${JSON.stringify(raw)}: must be an integer >= ${min}`);
  return n;
}

export function parseLogOptions(query: URLSearchParams): LogOptions {
  const options: LogOptions = { follow: queryFlag(query, 'follow'), timestamps: queryFlag(query, 'timestamps'), previous: queryFlag(query, 'previous') };
  const tailLines = intParam(query, 'tailLines', 0);
  const sinceSeconds = intParam(query, 'sinceSeconds', 1);
  const limitBytes = intParam(query, 'limitBytes', 1);
  const sinceTimeRaw = query.get('sinceTime');
  if (tailLines !== undefined) options.tailLines = tailLines;
  if (sinceSeconds !== undefined) options.sinceSeconds = sinceSeconds;
  if (limitBytes !== undefined) options.limitBytes = limitBytes;
  if (sinceTimeRaw) {
    const t = new Date(sinceTimeRaw);
    if (!/^\d{4}-\d\d-\d\dT/.test(sinceTimeRaw) || Number.isNaN(t.getTime())) throw ApiError.badRequest(`invalid sinceTime ${JSON.stringify(sinceTimeRaw)}: must be RFC 3339`);
    options.sinceTime = t;
  }
  if (options.sinceSeconds !== undefined && options.sinceTime) throw ApiError.badRequest('at most one of sinceTime or sinceSeconds may be specified');
  return options;
}

export function logErrorToApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof LogRequestError) return new ApiError(err.code === 404 ? 'NotFound' : 'BadRequest', err.message);
  if (err instanceof NotFoundError) return new ApiError('NotFound', err.message);
  return ApiError.internal(err instanceof Error ? err.message : String(err));
}

/**
 * Streams the log. Errors before the first byte become a Status answer; after it the response
 * can only be cut short.
 */
export async function streamLogs(res: ServerResponse, request: ContainerLogRequest, readLogs: ReadLogs, sendError: (err: ApiError) => void): Promise<void> {
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  let remaining = request.limitBytes ?? Infinity;
  let started = false;
  const begin = (): void => {
    if (started) return;
    started = true;
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache' });
    res.flushHeaders();
  };
  try {
    for await (const chunk of readLogs(request, abort.signal)) {
      if (abort.signal.aborted) break;
      begin();
      const piece = chunk.length > remaining ? chunk.subarray(0, remaining) : chunk;
      remaining -= piece.length;
      if (piece.length > 0) res.write(piece);
      if (remaining <= 0) break;
    }
  } catch (err) {
    if (!started) {
      sendError(logErrorToApiError(err));
      return;
    }
  } finally {
    abort.abort();
  }
  begin();
  res.end();
}
