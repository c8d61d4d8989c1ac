// Response bodies for objects and lists in the negotiated form. Plain JSON lists are spliced
// together from each object's bytes; only Table and metadata forms parse objects.
import type { ServerResponse } from 'node:http';
import { converterFor, type VersionConverter } from '../../api/conversion/conversion.js';
import { formatApiVersion } from '../../api/object.js';
import type { ResourceInfo } from '../../api/resources.js';
import { sendBytes, sendJson } from '../http/respond.js';
import type { ResponseForm } from '../http/negotiate.js';
import type { ListPage, StoredObject } from '../registry/types.js';
import type { ResourceRoute } from '../routing.js';
import { partialObject, toTable, type IncludeObject } from './table.js';

export interface RenderOptions {
  form: ResponseForm;
  includeObject: IncludeObject;
  now: number;
  /** The version in the URL, when it is not the stored one: objects are converted to it. */
  served?: { version: string; converter: VersionConverter };
}

function formContentType(form: ResponseForm): string {
  if (form.kind === 'table') return `application/json;as=Table;v=${form.version};g=meta.k8s.io`;
  if (form.kind === 'partial') return `application/json;as=${form.list ? 'PartialObjectMetadataList' : 'PartialObjectMetadata'};v=${form.version};g=meta.k8s.io`;
  return 'application/json';
}

export function sendObject(res: ServerResponse, code: number, resource: ResourceInfo, stored: StoredObject, o: RenderOptions): void {
  const form = o.form;
  if (form.kind === 'table') {
    const table = toTable(resource, [stored.obj], {
      version: form.version,
      includeObject: o.includeObject,
      listMeta: { resourceVersion: String(stored.rv) },
      now: o.now,
    });
    sendJson(res, code, table, formContentType(form));
    return;
  }
  if (form.kind === 'partial') {
    sendJson(res, code, partialObject(stored.obj, form.version), formContentType(form));
    return;
  }
  sendConverted(res, code, stored, o.served?.converter);
}

function sendConverted(res: ServerResponse, code: number, stored: StoredObject, converter: VersionConverter | undefined): void {
  if (converter) sendJson(res, code, converter.fromStorage(stored.obj));
  else sendBytes(res, code, stored.json);
}

/** An object as JSON of the route's version: its stored bytes, or converted when the URL names another version. */
export function sendStored(res: ServerResponse, code: number, stored: StoredObject, route: Pick<ResourceRoute, 'resource' | 'version'>): void {
  sendConverted(res, code, stored, converterFor(route.resource, route.version));
}

export function listMeta(page: ListPage): Record<string, unknown> {
  const m: Record<string, unknown> = { resourceVersion: String(page.resourceVersion) };
  if (page.continueToken) m['continue'] = page.continueToken;
  if (page.remainingItemCount !== undefined) m['remainingItemCount'] = page.remainingItemCount;
  return m;
}

export function sendList(res: ServerResponse, resource: ResourceInfo, page: ListPage, o: RenderOptions): void {
  const form = o.form;
  if (form.kind === 'table') {
    const table = toTable(resource, page.items.map((i) => i.obj), {
      version: form.version,
      includeObject: o.includeObject,
      listMeta: listMeta(page),
      now: o.now,
    });
    sendJson(res, 200, table, formContentType(form));
    return;
  }
  if (form.kind === 'partial') {
    const body = {
      kind: 'PartialObjectMetadataList',
      apiVersion: `meta.k8s.io/${form.version}`,
      metadata: listMeta(page),
      items: page.items.map((i) => partialObject(i.obj, form.version)),
    };
    sendJson(res, 200, body, formContentType({ ...form, list: true }));
    return;
  }
  if (o.served) {
    const { version, converter } = o.served;
    const items = page.items.map((i) => converter.fromStorage(i.obj));
    sendJson(res, 200, { kind: resource.listKind, apiVersion: formatApiVersion(resource.group, version), metadata: listMeta(page), items });
    return;
  }
  sendBytes(res, 200, listBytes(resource, page));
}

export function listBytes(resource: ResourceInfo, page: ListPage): Buffer {
  const head = `{"kind":${JSON.stringify(resource.listKind)},"apiVersion":${JSON.stringify(formatApiVersion(resource.group, resource.version))},"metadata":${JSON.stringify(listMeta(page))},"items":[`;
  const parts: Buffer[] = [Buffer.from(head)];
  const comma = Buffer.from(',');
  page.items.forEach((item, i) => {
    if (i > 0) parts.push(comma);
    for (const c of item.json.chunks) parts.push(c);
  });
  parts.push(Buffer.from(']}'));
  return Buffer.concat(parts);
}

export { formContentType };
