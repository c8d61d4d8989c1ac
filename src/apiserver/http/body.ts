// Request bodies: read with a size limit, then decoded by Content-Type (JSON, YAML, protobuf).
// Decoding failures are 400s that name the problem and its position, never 500s.
import type { IncomingMessage } from 'node:http';
import { parseDocument } from 'yaml';
import { ApiError } from '../../api/errors.js';
import { decodeProtobufObject } from '../../api/protobuf/protobuf.js';

/** Kubernetes' limit for a request body. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** Reads the whole body; stops reading and throws 413 once it exceeds `limit`. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: unknown, body?: Buffer): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      if (err) {
        reject(err);
        // Stop reading: the rest of the body is discarded, the socket closes after the answer.
        req.pause();
      } else resolve(body ?? Buffer.alloc(0));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) finish(tooLarge(limit));
      else chunks.push(chunk);
    };
    req.on('data', onData);
    // A body that came in one chunk (most do) is that chunk: a view of the bytes read, not a copy.
    req.once('end', () => finish(undefined, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
    req.once('error', (err) => finish(ApiError.badRequest(`error reading the request body: ${err.message}`)));
    req.once('aborted', () => finish(ApiError.badRequest('the request body was cut short')));
  });
}

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function tooLarge(limit: number): ApiError {
  return new ApiError('RequestEntityTooLarge', `the request body is too large: limit is ${limit} bytes`);
}

export type BodyEncoding = 'json' | 'yaml' | 'protobuf';

/** The media type without parameters, lower-cased; "" when absent. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export interface DecodedBody {
  value: unknown;
  /** Paths of object keys that appeared twice (the last one wins, as in Kubernetes). */
  duplicates: string[];
}

/** Decodes `body` as `encoding`; `what` names the body in messages ("Pod", "patch"). */
export function decodeBody(body: Buffer, encoding: BodyEncoding): DecodedBody {
  switch (encoding) {
    case 'protobuf':
      return { value: decodeProtobufObject(body), duplicates: [] };
    case 'yaml':
      return decodeYaml(body.toString('utf8'));
    case 'json':
      return decodeJson(body.toString('utf8'));
  }
}

export function decodeJson(text: string): DecodedBody {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw ApiError.badRequest(`couldn't decode the request body as JSON: ${describeJsonError(text, err)}`);
  }
  // A repeated key leaves the parsed value with fewer keys than the text names: only then is
  // the text searched for which keys they are.
  return { value, duplicates: keysInText(text) === keysInValue(value) ? [] : findDuplicateKeys(text) };
}

/** The index of the quote that closes the string opening at `open` (one not escaped by an odd run of backslashes); -1 if none. */
function closingQuote(text: string, open: number): number {
  let j = text.indexOf('"', open + 1);
  while (j > 0) {
    let backslashes = 0;
    while (text.charCodeAt(j - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return j;
    j = text.indexOf('"', j + 1);
  }
  return -1;
}

/** How many object keys valid JSON text holds: the strings followed by a colon. */
function keysInText(text: string): number {
  let keys = 0;
  let i = text.indexOf('"');
  while (i >= 0) {
    const j = closingQuote(text, i);
    if (j < 0) break;
    let k = j + 1;
    while (isJsonSpace(text.charCodeAt(k))) k++;
    if (text.charCodeAt(k) === 0x3a) keys++;
    i = text.indexOf('"', k);
  }
  return keys;
}

/** How many object keys a parsed JSON value holds, at every depth. */
function keysInValue(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let keys = 0;
  if (Array.isArray(value)) {
    for (const item of value) keys += keysInValue(item);
    return keys;
  }
  for (const k in value) keys += 1 + keysInValue((value as Record<string, unknown>)[k]);
  return keys;
}

function describeJsonError(text: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const m = /position (\d+)/.exec(message);
  if (!m?.[1]) return message;
  return `${message.replace(/ in JSON at position \d+.*$/, '')} at ${lineColumn(text, Number(m[1]))}`;
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  return `line ${before.split('\n').length}, column ${offset - before.lastIndexOf('\n')}`;
}

function decodeYaml(text: string): DecodedBody {
  const strict = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  const duplicates = strict.errors.filter((e) => e.code === 'DUPLICATE_KEY');
  const doc = duplicates.length > 0 ? parseDocument(text, { uniqueKeys: false, prettyErrors: false }) : strict;
  const fatal = doc.errors[0];
  if (fatal) {
    const where = ` at ${lineColumn(text, fatal.pos[0])}`;
    throw ApiError.badRequest(`couldn't decode the request body as YAML: ${fatal.message.split('\n')[0] ?? ''}${where}`);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw ApiError.badRequest(`couldn't decode the request body as YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { value: value ?? null, duplicates: duplicates.map((e) => yamlDuplicateKey(text, e.pos[0])) };
}

function yamlDuplicateKey(text: string, offset: number): string {
  const m = /^["']?([^"':\n]+)/.exec(text.slice(offset));
  return m?.[1]?.trim() ?? '?';
}

/**
 * Paths (`spec.replicas`, `spec.containers[0].name`) of keys that occur twice in one JSON
 * object. A linear scan over already-valid JSON text; paths are only spelled out for the
 * duplicates, and an object's keys are kept in a plain array (objects have few keys).
 */
export function findDuplicateKeys(text: string): string[] {
  interface Frame {
    /** The keys seen so far; undefined for an array. */
    keys: string[] | undefined;
    /** Index of the current item (arrays). */
    index: number;
    /** The key whose value is being read (objects). */
    pendingKey: string;
  }
  const out: string[] = [];
  const stack: Frame[] = [];
  // `depth` frames of `stack` are live; deeper ones are kept for reuse.
  let depth = 0;
  /** The path of `key` in the object at stack level `levels - 1`. */
  const pathTo = (levels: number, key: string): string => {
    let path = '';
    for (let d = 0; d < levels - 1; d++) {
      const parent = stack[d] as Frame;
      path = parent.keys ? (path ? `${path}.${parent.pendingKey}` : parent.pendingKey) : `${path}[${parent.index}]`;
    }
    return path ? `${path}.${key}` : key;
  };
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let j = closingQuote(text, i);
      if (j < 0) j = n;
      const top = depth > 0 ? stack[depth - 1] : undefined;
      let k = j + 1;
      while (k < n && isJsonSpace(text.charCodeAt(k))) k++;
      if (top?.keys && text.charCodeAt(k) === 0x3a) {
        const raw = text.slice(i + 1, j);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, j + 1)) as string) : raw;
        if (top.keys.includes(key)) out.push(pathTo(depth, key));
        top.keys.push(key);
        top.pendingKey = key;
        i = k + 1;
        continue;
      }
      i = j + 1;
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      let f = stack[depth];
      if (!f) {
        f = { keys: undefined, index: 0, pendingKey: '' };
        stack.push(f);
      }
      f.keys = c === 0x7b ? [] : undefined;
      f.index = 0;
      f.pendingKey = '';
      depth++;
    } else if (c === 0x7d || c === 0x5d) {
      if (depth > 0) depth--;
    } else if (c === 0x2c) {
      const top = depth > 0 ? stack[depth - 1] : undefined;
      if (top && !top.keys) top.index++;
    }
    i++;
  }
  return out;
}
