import { createHash } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceInfo } from '../../api/resources.js';
import { buildCatalog, installedCatalog, readInstalledTypes } from './catalog.js';
import { parseDeclarations } from './dts-parser.js';
import { createOpenApi, V2_PROTOBUF_CONTENT_TYPE } from './openapi.js';

const PODS: ResourceInfo = {
  group: '', version: 'v1', kind: 'Pod', listKind: 'PodList', plural: 'pods', singular: 'pod', namespaced: true,
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['po'], categories: ['all'],
  subresources: [
    { name: 'status', kind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get', 'patch', 'update'] },
    { name: 'exec', kind: { group: '', version: 'v1', kind: 'PodExecOptions' }, verbs: ['create', 'get'] },
    { name: 'eviction', kind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] },
  ],
};
const NAMESPACES: ResourceInfo = {
  group: '', version: 'v1', kind: 'Namespace', listKind: 'NamespaceList', plural: 'namespaces', singular: 'namespace',
  namespaced: false, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['ns'], categories: [], subresources: [],
};
const HPAS: ResourceInfo = {
  group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler', listKind: 'HorizontalPodAutoscalerList',
  plural: 'horizontalpodautoscalers', singular: 'horizontalpodautoscaler', namespaced: true,
  verbs: ['create', 'get', 'list', 'patch', 'update'], shortNames: ['hpa'], categories: ['all'], subresources: [], alsoServedAt: ['v1'],
};
const WIDGETS: ResourceInfo = {
  group: 'widgets.example.com', version: 'v1', kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget',
  namespaced: true, verbs: ['get', 'list', 'patch'], shortNames: [], categories: [], subresources: [],
};
const RESOURCES = [PODS, NAMESPACES, HPAS, WIDGETS];

type JsonRecord = Record<string, unknown>;
const asRecord = (value: unknown): JsonRecord => {
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), `expected an object, got ${JSON.stringify(value)}`);
  return value as JsonRecord;
};
const field = (value: unknown, ...keys: string[]): unknown => keys.reduce((current, key) => asRecord(current)[key], value);

function refsIn(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refsIn(item, into);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string') into.push(item);
      else refsIn(item, into);
    }
  }
  return into;
}

test('every declaration file of the installed kubernetes-types parses', () => {
  const files = readInstalledTypes();
  assert.ok(files.some((f) => f.modulePath === 'core/v1'));
  for (const file of files) assert.doesNotThrow(() => parseDeclarations(file.source, file.modulePath), file.modulePath);
});

test('the parser rejects TypeScript outside the generated subset, naming the file', () => {
  assert.throws(() => parseDeclarations('export class Pod {}', 'core/v1'), /core\/v1: unsupported declaration "export class"/);
  assert.throws(() => parseDeclarations('export interface A { f: Partial<B>; }', 'x'), /x: expected ";"/);
});

test('catalog maps kubernetes-types declarations to Kubernetes definitions', () => {
  const catalog = installedCatalog();
  const pod = catalog.definitions.get('io.k8s.api.core.v1.Pod');
  assert.deepEqual(pod?.extensions?.['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Pod', version: 'v1' }]);
  assert.equal(pod?.properties?.metadata?.ref, 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
  assert.equal(catalog.kinds.get('apps/v1/Deployment'), 'io.k8s.api.apps.v1.Deployment');

  const container = catalog.definitions.get('io.k8s.api.core.v1.Container');
  assert.deepEqual(container?.required, ['name']);
  assert.match(container?.properties?.image?.description ?? '', /Container image name/);
  assert.equal(container?.properties?.ports?.extensions?.['x-kubernetes-patch-merge-key'], 'containerPort');

  const servicePort = catalog.definitions.get('io.k8s.api.core.v1.ServicePort');
  assert.equal(servicePort?.properties?.targetPort?.ref, 'io.k8s.apimachinery.pkg.util.intstr.IntOrString');
  assert.deepEqual(servicePort?.properties?.port, { type: 'integer', format: 'int32', description: servicePort?.properties?.port?.description });
  const intOrString = catalog.definitions.get('io.k8s.apimachinery.pkg.util.intstr.IntOrString');
  assert.equal(intOrString?.format, 'int-or-string');
  assert.equal(intOrString?.extensions?.['x-kubernetes-int-or-string'], true);

  assert.equal(catalog.definitions.get('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta')?.properties?.generation?.format, 'int64');
  assert.equal(catalog.definitions.get('io.k8s.apimachinery.pkg.apis.meta.v1.Time')?.format, 'date-time');
  assert.equal(catalog.definitions.get('io.k8s.apimachinery.pkg.api.resource.Quantity')?.type, 'string');
  assert.equal(catalog.definitions.get('io.k8s.apimachinery.pkg.runtime.RawExtension')?.type, 'object');
  const resources = catalog.definitions.get('io.k8s.api.core.v1.ResourceRequirements');
  assert.equal(resources?.properties?.limits?.additionalProperties?.ref, 'io.k8s.apimachinery.pkg.api.resource.Quantity');
});

test('catalog of a small synthetic package resolves imports across modules', () => {
  const catalog = buildCatalog([
    { modulePath: 'meta/v1', source: '/** Meta. */\nexport interface ObjectMeta {\n    name?: string;\n}\nexport type Time = string;' },
    {
      modulePath: 'things/v1',
      source: 'import { ObjectMeta, Time } from "../meta/v1";\n/** A thing. */\nexport interface Thing {\n    apiVersion?: "things.example.com/v1";\n    kind?: "Thing";\n    /** Its metadata. */\n    metadata?: ObjectMeta;\n    at: Time;\n    sizes?: Array<number>;\n}',
    },
  ]);
  const thing = catalog.definitions.get('io.k8s.api.things.v1.Thing');
  assert.equal(thing?.description, 'A thing.');
  assert.deepEqual(thing?.properties?.metadata, { ref: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', description: 'Its metadata.' });
  assert.deepEqual(thing?.required, ['at']);
  assert.deepEqual(thing?.properties?.sizes, { type: 'array', items: { type: 'integer', format: 'int32' } });
  assert.equal(catalog.kinds.get('things.example.com/v1/Thing'), 'io.k8s.api.things.v1.Thing');
});

test('v3 index lists one document per served group-version with its content hash', () => {
  const openapi = createOpenApi(RESOURCES);
  const index = openapi.v3Index();
  const paths = asRecord(field(JSON.parse(index.body.toString()), 'paths'));
  assert.deepEqual(Object.keys(paths).sort(), ['api/v1', 'apis/autoscaling/v1', 'apis/autoscaling/v2', 'apis/widgets.example.com/v1']);
  for (const [key, entry] of Object.entries(paths)) {
    const document = openapi.v3Document(key);
    assert.ok(document, key);
    assert.equal(document.hash, createHash('sha512').update(document.body).digest('hex').toUpperCase());
    assert.equal(field(entry, 'serverRelativeURL'), `/openapi/v3/${key}?hash=${document.hash}`);
  }
  assert.equal(openapi.v3Document('apis/apps/v1'), undefined);
  assert.equal(openapi.v3Index(), index, 'documents are built once and cached');
});

test('v3 documents are self-contained and PATCH carries the GVK and fieldValidation', () => {
  const openapi = createOpenApi(RESOURCES);
  const document: unknown = JSON.parse(openapi.v3Document('api/v1')?.body.toString() ?? 'null');
  const schemas = asRecord(field(document, 'components', 'schemas'));
  for (const ref of refsIn(document)) {
    assert.ok(ref.startsWith('#/components/schemas/') && ref.slice('#/components/schemas/'.length) in schemas, ref);
  }
  const patch = field(document, 'paths', '/api/v1/namespaces/{namespace}/pods/{name}', 'patch');
  assert.deepEqual(field(patch, 'x-kubernetes-group-version-kind'), { group: '', kind: 'Pod', version: 'v1' });
  assert.equal(field(patch, 'x-kubernetes-action'), 'patch');
  const parameters = field(patch, 'parameters') as unknown[];
  for (const name of ['fieldValidation', 'dryRun', 'fieldManager', 'force']) {
    assert.ok(parameters.some((p) => field(p, 'name') === name && field(p, 'in') === 'query'), name);
  }
  assert.deepEqual(Object.keys(asRecord(field(patch, 'requestBody', 'content'))).sort(), [
    'application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json',
  ]);
  const eviction = field(document, 'paths', '/api/v1/namespaces/{namespace}/pods/{name}/eviction', 'post');
  assert.deepEqual(field(eviction, 'x-kubernetes-group-version-kind'), { group: 'policy', kind: 'Eviction', version: 'v1' });
  assert.equal(asRecord(field(document, 'paths'))['/api/v1/namespaces/{namespace}/pods/{name}/exec'], undefined);
  assert.ok('/api/v1/pods' in asRecord(field(document, 'paths')), 'list across namespaces');
  assert.ok('/api/v1/namespaces/{name}' in asRecord(field(document, 'paths')), 'cluster-scoped item path');

  const port = field(schemas, 'io.k8s.api.core.v1.ContainerPort', 'properties', 'containerPort');
  assert.deepEqual(field(port, 'type'), 'integer');
  const intOrString = field(schemas, 'io.k8s.apimachinery.pkg.util.intstr.IntOrString');
  assert.deepEqual(field(intOrString, 'oneOf'), [{ type: 'integer' }, { type: 'string' }]);
  assert.equal(field(intOrString, 'format'), 'int-or-string');
  const metadata = field(schemas, 'io.k8s.api.core.v1.Pod', 'properties', 'metadata');
  assert.deepEqual(field(metadata, 'allOf'), [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }]);
});

test('a resource served at two versions gets each version\'s schema; an unknown kind a placeholder', () => {
  const openapi = createOpenApi(RESOURCES);
  const v1: unknown = JSON.parse(openapi.v3Document('apis/autoscaling/v1')?.body.toString() ?? 'null');
  const v2: unknown = JSON.parse(openapi.v3Document('apis/autoscaling/v2')?.body.toString() ?? 'null');
  assert.ok('io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler' in asRecord(field(v1, 'components', 'schemas')));
  assert.ok('io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler' in asRecord(field(v2, 'components', 'schemas')));

  const widgets: unknown = JSON.parse(openapi.v3Document('apis/widgets.example.com/v1')?.body.toString() ?? 'null');
  const widget = field(widgets, 'components', 'schemas', 'com.example.widgets.v1.Widget');
  assert.deepEqual(field(widget, 'x-kubernetes-group-version-kind'), [{ group: 'widgets.example.com', kind: 'Widget', version: 'v1' }]);
  assert.equal(field(widget, 'x-kubernetes-preserve-unknown-fields'), true);
});

test('v2 JSON is a Swagger 2.0 document whose references all resolve', () => {
  const openapi = createOpenApi(RESOURCES);
  const v2 = openapi.v2Json();
  assert.equal(v2.contentType, 'application/json');
  const document: unknown = JSON.parse(v2.body.toString());
  assert.equal(field(document, 'swagger'), '2.0');
  const definitions = asRecord(field(document, 'definitions'));
  for (const ref of refsIn(document)) assert.ok(ref.slice('#/definitions/'.length) in definitions, ref);
  const patch = field(document, 'paths', '/apis/autoscaling/v1/namespaces/{namespace}/horizontalpodautoscalers/{name}', 'patch');
  assert.deepEqual(field(patch, 'x-kubernetes-group-version-kind'), { group: 'autoscaling', kind: 'HorizontalPodAutoscaler', version: 'v1' });
  assert.ok((field(patch, 'parameters') as unknown[]).some((p) => field(p, 'name') === 'fieldValidation'));
  assert.ok((field(patch, 'consumes') as unknown[]).includes('application/strategic-merge-patch+json'));
});

/** Reads the top-level fields of a protobuf message: field number → raw values. */
function readMessage(bytes: Uint8Array): Map<number, (number | Uint8Array)[]> {
  const fields = new Map<number, (number | Uint8Array)[]>();
  let offset = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (;;) {
      const byte = bytes[offset++] as number;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 0x80;
    }
  };
  while (offset < bytes.length) {
    const key = varint();
    const wireType = key % 8;
    let value: number | Uint8Array;
    if (wireType === 0) value = varint();
    else if (wireType === 2) {
      const length = varint();
      value = bytes.subarray(offset, offset + length);
      offset += length;
    } else throw new Error(`unexpected wire type ${wireType}`);
    const number = Math.floor(key / 8);
    fields.set(number, [...(fields.get(number) ?? []), value]);
  }
  return fields;
}

test('v2 protobuf is the gnostic Document of the same Swagger document', () => {
  const openapi = createOpenApi(RESOURCES);
  const protobuf = openapi.v2Protobuf();
  assert.equal(protobuf.contentType, V2_PROTOBUF_CONTENT_TYPE);
  const documentFields = readMessage(protobuf.body);
  const text = (value: number | Uint8Array | undefined): string => Buffer.from(value as Uint8Array).toString('utf8');
  assert.equal(text(documentFields.get(1)?.[0]), '2.0');
  const json: unknown = JSON.parse(openapi.v2Json().body.toString());

  const namedDefinitions = readMessage(documentFields.get(9)?.[0] as Uint8Array).get(1) ?? [];
  const definitionNames = namedDefinitions.map((named) => text(readMessage(named as Uint8Array).get(1)?.[0]));
  assert.deepEqual(definitionNames, Object.keys(asRecord(field(json, 'definitions'))));

  const namedPaths = readMessage(documentFields.get(8)?.[0] as Uint8Array).get(2) ?? [];
  const pathNames = namedPaths.map((named) => text(readMessage(named as Uint8Array).get(1)?.[0]));
  assert.deepEqual(pathNames, Object.keys(asRecord(field(json, 'paths'))));

  // Pod's vendor extension (Schema field 31): NamedAny{name, Any{yaml = JSON}}.
  const pod = namedDefinitions.map((named) => readMessage(named as Uint8Array)).find((named) => text(named.get(1)?.[0]) === 'io.k8s.api.core.v1.Pod');
  const podSchema = readMessage(pod?.get(2)?.[0] as Uint8Array);
  const extension = readMessage(podSchema.get(31)?.[0] as Uint8Array);
  assert.equal(text(extension.get(1)?.[0]), 'x-kubernetes-group-version-kind');
  assert.deepEqual(JSON.parse(text(readMessage(extension.get(2)?.[0] as Uint8Array).get(2)?.[0])), [{ group: '', kind: 'Pod', version: 'v1' }]);
});
