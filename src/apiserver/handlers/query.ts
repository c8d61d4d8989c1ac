// Query parameters shared by the verbs: dryRun, fieldManager, fieldValidation, list options.
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../../api/errors.js';
import type { ResourceInfo } from '../../api/resources.js';
import { parseFieldSelector } from '../../api/selectors/fields.js';
import { parseLabelSelector } from '../../api/selectors/labels.js';
import type { ListQuery } from '../registry/types.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function dryRun(q: URLSearchParams): boolean {
  const values = q.getAll('dryRun');
  for (const v of values) {
    if (v !== 'All') throw ApiError.invalid('DryRun', '', [{ type: 'FieldValueNotSupported', field: 'dryRun', value: v, detail: 'supported values: "All"' }]);
  }
  return values.length > 0;
}

export function fieldValidation(q: URLSearchParams): FieldValidation {
  const v = q.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw ApiError.badRequest(`fieldValidation: Unsupported value: "${v}": supported values: "Ignore", "Strict", "Warn"`);
}

/** fieldManager, or the user agent's program name as Kubernetes derives it. */
export function fieldManager(q: URLSearchParams, req: IncomingMessage): string | undefined {
  const v = q.get('fieldManager');
  if (v) {
    if (v.length > 128) throw ApiError.badRequest('fieldManager: Too long: may not be longer than 128');
    return v;
  }
  const ua = req.headers['user-agent'];
  if (!ua) return undefined;
  return ua.split('/')[0]?.slice(0, 128) || undefined;
}

export function isWatch(q: URLSearchParams): boolean {
  const v = q.get('watch');
  return v === 'true' || v === '1';
}

export function listQuery(q: URLSearchParams, resource: ResourceInfo, nameFromPath?: string): ListQuery {
  const out: ListQuery = {};
  const labels = q.get('labelSelector');
  if (labels) out.labels = parseLabelSelector(labels);
  let fields = q.get('fieldSelector') ?? '';
  if (nameFromPath !== undefined) fields = fields ? `${fields},metadata.name=${nameFromPath}` : `metadata.name=${nameFromPath}`;
  if (fields) out.fields = parseFieldSelector(fields, resource);
  const limit = q.get('limit');
  if (limit) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 0) throw ApiError.badRequest(`limit: Invalid value: ${JSON.stringify(limit)}`);
    if (n > 0) out.limit = n;
  }
  const cont = q.get('continue');
  if (cont) out.continueToken = cont;
  const rv = q.get('resourceVersion');
  if (rv !== null) out.resourceVersion = rv;
  const match = q.get('resourceVersionMatch');
  if (match) {
    if (match !== 'Exact' && match !== 'NotOlderThan') {
      throw ApiError.badRequest(`resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`);
    }
    if (!rv) throw ApiError.badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (cont) throw ApiError.badRequest('resourceVersionMatch is forbidden when continue is provided');
    out.resourceVersionMatch = match;
  }
  if (cont && rv && rv !== '0') throw ApiError.badRequest('specifying resource version is not allowed when using continue');
  return out;
}

export function optionalInt(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw ApiError.badRequest(`${name}: Invalid value: ${JSON.stringify(v)}`);
  return n;
}
