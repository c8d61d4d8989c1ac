// Custom resources over REST: a CRD's status, its served paths and verbs, discovery, schema
// pruning/defaults/validation, subresources, tables and deletion (plain HTTP, MemoryStorage).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openWatch, startTestServer, type TestServer } from '../testing.js';

let s: TestServer;
after(async () => {
  await s.close();
});

const GROUP = 'stable.example.com';
const BASE = `/apis/${GROUP}/v1/namespaces/default/crontabs`;

function crd(overrides: { plural?: string; kind?: string; shortNames?: string[] } = {}) {
  const plural = overrides.plural ?? 'crontabs';
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${GROUP}` },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { plural, singular: plural.replace(/s$/, ''), kind: overrides.kind ?? 'CronTab', shortNames: overrides.shortNames ?? ['ct'], categories: ['all'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
          additionalPrinterColumns: [
            { name: 'Spec', type: 'string', jsonPath: '.spec.cronSpec' },
            { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas', priority: 1 },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  required: ['cronSpec'],
                  properties: {
                    cronSpec: { type: 'string', minLength: 3 },
                    image: { type: 'string' },
                    replicas: { type: 'integer', minimum: 0, maximum: 10, default: 1 },
                    mode: { type: 'string', enum: ['a', 'b'] },
                    port: { 'x-kubernetes-int-or-string': true },
                    free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                  },
                },
                status: { type: 'object', properties: { replicas: { type: 'integer' }, selector: { type: 'string' } } },
              },
            },
          },
        },
        { name: 'v1beta1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
      ],
    },
  };
}

const cronTab = (name: string, spec: Record<string, unknown> = { cronSpec: '* * * * *' }, apiVersion = `${GROUP}/v1`) => ({
  apiVersion,
  kind: 'CronTab',
  metadata: { name, labels: { app: name } },
  spec,
});

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, deadlineMs = 5000): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

type Condition = { type: string; status: string; reason?: string; message?: string };

async function established(name: string): Promise<Record<string, unknown>> {
  return eventually(`${name} established`, async () => {
    const r = await s.req('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
    const status = r.json()['status'] as { conditions?: Condition[] } | undefined;
    return status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? r.json() : undefined;
  });
}

before(async () => {
  s = await startTestServer();
  const r = await s.req('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: crd() });
  assert.equal(r.status, 201, r.text);
  await established(`crontabs.${GROUP}`);
});

test('a CRD gets accepted names, NamesAccepted and Established conditions and its stored version', async () => {
  const got = await established(`crontabs.${GROUP}`);
  const status = got['status'] as { acceptedNames: Record<string, unknown>; conditions: Condition[]; storedVersions: string[] };
  assert.equal(status.acceptedNames['plural'], 'crontabs');
  assert.equal(status.acceptedNames['listKind'], 'CronTabList');
  assert.deepEqual(status.storedVersions, ['v1']);
  assert.deepEqual(
    status.conditions.map(({ type, status: st, reason, message }) => ({ type, status: st, reason, message })),
    [
      { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' },
      { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
    ],
  );
});

test('a CRD whose names another CRD of the group holds is not established', async () => {
  const r = await s.req('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: crd({ plural: 'crontabz', kind: 'CronTabZ', shortNames: ['ct'] }) });
  assert.equal(r.status, 201, r.text);
  const conditions = await eventually('NamesAccepted False', async () => {
    const got = await s.req('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabz.${GROUP}`);
    const c = (got.json()['status'] as { conditions?: Condition[] } | undefined)?.conditions;
    return c?.some((x) => x.type === 'NamesAccepted') ? c : undefined;
  });
  assert.deepEqual(conditions.find((c) => c.type === 'NamesAccepted'), { ...conditions.find((c) => c.type === 'NamesAccepted'), status: 'False', reason: 'ShortNamesConflict', message: '"ct" is already in use' });
  assert.equal(conditions.find((c) => c.type === 'Established')?.status, 'False');
  assert.equal((await s.req('GET', `/apis/${GROUP}/v1/namespaces/default/crontabz`)).status, 404);
});

test('a CRD whose name is not <plural>.<group> is refused', async () => {
  const bad = crd();
  bad.metadata.name = 'wrong.stable.example.com';
  const r = await s.req('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: bad });
  assert.equal(r.status, 422);
  assert.match(r.text, /metadata.name: Invalid value: \\"wrong.stable.example.com\\": must be spec.names.plural\+\\".\\"\+spec.group/);
});

test('discovery lists the custom resource with its names, verbs, categories and subresources', async () => {
  const group = (await s.req('GET', `/apis/${GROUP}`)).json();
  assert.deepEqual(group['preferredVersion'], { groupVersion: `${GROUP}/v1`, version: 'v1' });
  assert.deepEqual((group['versions'] as { version: string }[]).map((v) => v.version), ['v1', 'v1beta1']);
  const list = (await s.req('GET', `/apis/${GROUP}/v1`)).json();
  const resources = list['resources'] as Record<string, unknown>[];
  const main = resources.find((r) => r['name'] === 'crontabs');
  assert.equal(main?.['kind'], 'CronTab');
  assert.equal(main?.['singularName'], 'crontab');
  assert.deepEqual(main?.['shortNames'], ['ct']);
  assert.deepEqual(main?.['categories'], ['all']);
  assert.equal(main?.['namespaced'], true);
  assert.deepEqual(new Set(main?.['verbs'] as string[]), new Set(['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']));
  assert.ok(resources.some((r) => r['name'] === 'crontabs/status'));
  assert.ok(resources.some((r) => r['name'] === 'crontabs/scale' && r['kind'] === 'Scale'));
  const apis = (await s.req('GET', '/apis')).json();
  assert.ok((apis['groups'] as { name: string }[]).some((g) => g.name === GROUP));
  const aggregated = await s.req('GET', '/apis', { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' });
  assert.match(aggregated.text, /"resource":"crontabs"/);
});

test('create prunes unknown fields, applies defaults and keeps generation; get, list and the other served version', async () => {
  const created = await s.req('POST', BASE, { body: { ...cronTab('one'), spec: { cronSpec: '* * * * *', extra: 'x' } }, contentType: 'application/json' });
  assert.equal(created.status, 201, created.text);
  assert.deepEqual(created.json()['spec'], { cronSpec: '* * * * *', replicas: 1 });
  assert.equal(created.json().metadata?.['generation'], 1);
  assert.equal(created.headers['warning'], '299 - "unknown field \\"spec.extra\\""');
  const got = (await s.req('GET', `${BASE}/one`)).json();
  assert.equal(got['apiVersion'], `${GROUP}/v1`);
  const beta = (await s.req('GET', `/apis/${GROUP}/v1beta1/namespaces/default/crontabs/one`)).json();
  assert.equal(beta['apiVersion'], `${GROUP}/v1beta1`);
  assert.deepEqual(beta['spec'], got['spec']);
  const all = (await s.req('GET', `/apis/${GROUP}/v1/crontabs`)).json();
  assert.equal(all['kind'], 'CronTabList');
  assert.ok(all.items?.some((i) => (i['metadata'] as { name: string }).name === 'one'));
  const stored = await s.storage.get('/registry/stable.example.com/crontabs/default/one');
  assert.ok(stored.kv, 'stored under /registry/<group>/<plural>/<namespace>/<name>');
});

test('fieldValidation=Strict refuses unknown fields with Kubernetes message', async () => {
  const r = await s.req('POST', `${BASE}?fieldValidation=Strict`, { body: { ...cronTab('strict'), spec: { cronSpec: '* * * * *', bogus: 1 } } });
  assert.equal(r.status, 400);
  assert.equal(r.json()['message'], 'CronTab in version "v1" cannot be handled as a CronTab: strict decoding error: unknown field "spec.bogus"');
});

test('schema violations are 422 Invalid with field paths', async () => {
  const r = await s.req('POST', BASE, { body: cronTab('bad', { cronSpec: 'x', replicas: 'many', mode: 'c', port: 1.5 }) });
  assert.equal(r.status, 422, r.text);
  const causes = (r.json()['details'] as { causes: { field: string; message: string }[] }).causes;
  assert.deepEqual(causes.map((c) => `${c.field}: ${c.message}`).sort(), [
    'spec.cronSpec: Invalid value: "x": spec.cronSpec in body should be at least 3 chars long',
    'spec.mode: Unsupported value: "c": supported values: "a", "b"',
    'spec.port: Invalid value: "number": spec.port in body must be of type integer,string: "number"',
    'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
  ]);
  const missing = await s.req('POST', BASE, { body: cronTab('bad', { image: 'x', replicas: 11 }) });
  assert.equal(missing.status, 422);
  assert.match(missing.json()['message'] as string, /spec.cronSpec: Required value/);
  assert.match(missing.json()['message'] as string, /spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10/);
  const ok = await s.req('POST', BASE, { body: cronTab('free', { cronSpec: 'a b c', port: 'http', free: { any: { thing: 1 } } }) });
  assert.equal(ok.status, 201, ok.text);
  assert.deepEqual(ok.json()['spec'], { cronSpec: 'a b c', port: 'http', free: { any: { thing: 1 } }, replicas: 1 });
});

test('patch: merge, json and server-side apply work; strategic merge is 415', async () => {
  await s.req('POST', BASE, { body: cronTab('p') });
  const merged = await s.req('PATCH', `${BASE}/p`, { raw: JSON.stringify({ spec: { image: 'a' } }), contentType: 'application/merge-patch+json' });
  assert.equal(merged.status, 200, merged.text);
  assert.equal((merged.json()['spec'] as { image: string }).image, 'a');
  assert.equal(merged.json().metadata?.['generation'], 2);
  const json = await s.req('PATCH', `${BASE}/p`, { raw: JSON.stringify([{ op: 'replace', path: '/spec/image', value: 'b' }]), contentType: 'application/json-patch+json' });
  assert.equal((json.json()['spec'] as { image: string }).image, 'b');
  const apply = await s.req('PATCH', `${BASE}/applied?fieldManager=test`, { raw: JSON.stringify(cronTab('applied')), contentType: 'application/apply-patch+yaml' });
  assert.equal(apply.status, 201, apply.text);
  const strategic = await s.req('PATCH', `${BASE}/p`, { raw: '{}', contentType: 'application/strategic-merge-patch+json' });
  assert.equal(strategic.status, 415);
  assert.equal(strategic.json()['reason'], 'UnsupportedMediaType');
});

test('the status subresource: the main endpoint ignores status, /status changes only status', async () => {
  await s.req('POST', BASE, { body: { ...cronTab('st'), status: { replicas: 5 } } });
  const main = (await s.req('GET', `${BASE}/st`)).json();
  assert.equal(main['status'], undefined);
  const put = await s.req('PUT', `${BASE}/st/status`, { body: { ...main, spec: { cronSpec: 'changed' }, status: { replicas: 2 } } });
  assert.equal(put.status, 200, put.text);
  assert.deepEqual(put.json()['status'], { replicas: 2 });
  assert.equal((put.json()['spec'] as { cronSpec: string }).cronSpec, '* * * * *');
  const upd = await s.req('PUT', `${BASE}/st`, { body: { ...put.json(), status: { replicas: 9 } } });
  assert.deepEqual(upd.json()['status'], { replicas: 2 });
});

test('the scale subresource reads and writes the CRD-named paths', async () => {
  await s.req('POST', BASE, { body: cronTab('sc', { cronSpec: '* * * * *', replicas: 2 }) });
  const scale = (await s.req('GET', `${BASE}/sc/scale`)).json();
  assert.equal(scale['kind'], 'Scale');
  assert.deepEqual(scale['spec'], { replicas: 2 });
  const patched = await s.req('PATCH', `${BASE}/sc/scale`, { raw: JSON.stringify({ spec: { replicas: 4 } }), contentType: 'application/merge-patch+json' });
  assert.equal(patched.status, 200, patched.text);
  assert.deepEqual(patched.json()['spec'], { replicas: 4 });
  assert.equal(((await s.req('GET', `${BASE}/sc`)).json()['spec'] as { replicas: number }).replicas, 4);
  const tooMany = await s.req('PATCH', `${BASE}/sc/scale`, { raw: JSON.stringify({ spec: { replicas: 40 } }), contentType: 'application/merge-patch+json' });
  assert.equal(tooMany.status, 422);
});

test('field and label selectors, chunked lists and watches', async () => {
  for (const n of ['w1', 'w2', 'w3']) await s.req('POST', BASE, { body: cronTab(n) });
  const byName = (await s.req('GET', `${BASE}?fieldSelector=metadata.name%3Dw2`)).json();
  assert.deepEqual(byName.items?.map((i) => (i['metadata'] as { name: string }).name), ['w2']);
  const byLabel = (await s.req('GET', `${BASE}?labelSelector=app%3Dw3`)).json();
  assert.deepEqual(byLabel.items?.map((i) => (i['metadata'] as { name: string }).name), ['w3']);
  const badField = await s.req('GET', `${BASE}?fieldSelector=spec.image%3Dx`);
  assert.equal(badField.status, 400);
  const page = (await s.req('GET', `${BASE}?limit=1`)).json();
  assert.equal(page.items?.length, 1);
  assert.ok((page.metadata as { continue?: string }).continue);
  const rv = (page.metadata as { resourceVersion: string }).resourceVersion;
  const w = await openWatch(s.url, `${BASE}?watch=true&resourceVersion=${rv}`);
  await s.req('PATCH', `${BASE}/w1`, { raw: JSON.stringify({ spec: { image: 'watched' } }), contentType: 'application/merge-patch+json' });
  const ev = await w.next();
  assert.equal(ev.type, 'MODIFIED');
  assert.equal(ev.object['apiVersion'], `${GROUP}/v1`);
  assert.equal((ev.object['spec'] as { image: string }).image, 'watched');
  w.close();
});

test('tables show NAME and the printer columns (priority kept for -o wide)', async () => {
  await s.req('POST', BASE, { body: cronTab('t1', { cronSpec: '*/5 * * * *', replicas: 3 }) });
  const t = (await s.req('GET', `${BASE}?fieldSelector=metadata.name%3Dt1`, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).json();
  const cols = t['columnDefinitions'] as { name: string; type: string; priority: number }[];
  assert.deepEqual(cols.map((c) => [c.name, c.type, c.priority]), [['Name', 'string', 0], ['Spec', 'string', 0], ['Replicas', 'integer', 1]]);
  assert.deepEqual((t['rows'] as { cells: unknown[] }[])[0]?.cells, ['t1', '*/5 * * * *', 3]);
});

test('deleting a CRD removes its custom resources first, then stops serving them', async () => {
  const name = `widgets.${GROUP}`;
  const body = crd({ plural: 'widgets', kind: 'Widget', shortNames: ['wd'] });
  assert.equal((await s.req('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body })).status, 201);
  await established(name);
  const path = `/apis/${GROUP}/v1/namespaces/default/widgets`;
  for (const n of ['a', 'b']) assert.equal((await s.req('POST', path, { body: { ...cronTab(n), kind: 'Widget' } })).status, 201);
  const del = await s.req('DELETE', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
  assert.equal(del.status, 200, del.text);
  assert.ok((del.json().metadata?.['finalizers'] as string[]).includes('customresourcecleanup.apiextensions.k8s.io'));
  await eventually('the CRD gone', async () => ((await s.req('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`)).status === 404 ? true : undefined));
  assert.equal((await s.req('GET', path)).status, 404);
  const left = await s.storage.list('/registry/stable.example.com/widgets/');
  assert.equal(left.kvs.length, 0);
  const list = (await s.req('GET', `/apis/${GROUP}/v1`)).json();
  assert.ok(!(list['resources'] as { name: string }[]).some((r) => r.name === 'widgets'));
});

test('the OpenAPI v3 document of the group describes the custom resource (kubectl explain)', async () => {
  const index = (await s.req('GET', '/openapi/v3')).json() as { paths: Record<string, unknown> };
  assert.ok(index.paths[`apis/${GROUP}/v1`], 'the group-version is listed');
  const doc = (await s.req('GET', `/openapi/v3/apis/${GROUP}/v1`)).json() as { components: { schemas: Record<string, { properties?: Record<string, { properties?: Record<string, unknown> }> }> } };
  const schema = doc.components.schemas['com.example.stable.v1.CronTab'];
  assert.ok(schema?.properties?.['metadata']);
  assert.deepEqual(Object.keys(schema?.properties?.['spec']?.properties ?? {}).sort(), ['cronSpec', 'free', 'image', 'mode', 'port', 'replicas']);
  // Without strategic merge in PATCH's media types, kubectl apply sends merge patches.
  const v2 = (await s.req('GET', '/openapi/v2')).json() as { paths: Record<string, { patch?: { consumes: string[] } }> };
  const consumes = v2.paths[`/apis/${GROUP}/v1/namespaces/{namespace}/crontabs/{name}`]?.patch?.consumes;
  assert.deepEqual(consumes, ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml']);
});
