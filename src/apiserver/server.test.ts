import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { startTestServer, type TestServer } from './testing.js';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.close();
});

const cm = (name: string, data: Record<string, string> = { a: '1' }, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(labels ? { labels } : {}) },
  data,
});

const deployment = (name: string, replicas = 1) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
  },
});

test('version and health answer without credentials; the API needs them', async () => {
  const v = await s.req('GET', '/version', { token: null });
  assert.equal(v.status, 200);
  assert.equal(v.json()['major'], '1');
  assert.equal((await s.req('GET', '/healthz', { token: null })).text, 'ok');
  const verbose = await s.req('GET', '/readyz?verbose', { token: null });
  assert.match(verbose.text, /\[\+\]ping ok/);
  const denied = await s.req('GET', '/api/v1/namespaces', { token: null });
  assert.equal(denied.status, 401);
  assert.equal(denied.json()['reason'], 'Unauthorized');
  assert.equal((await s.req('GET', '/api/v1/namespaces', { token: 'wrong' })).status, 401);
});

test('idle keep-alive connections are kept 90 s, as Kubernetes keeps them', async () => {
  const agent = new Agent({ keepAlive: true });
  try {
    const headers = await new Promise<IncomingHttpHeaders>((resolve, reject) => {
      const r = request(`${s.url}/version`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.headers));
      });
      r.on('error', reject);
      r.end();
    });
    assert.equal(headers['keep-alive'], 'timeout=90');
  } finally {
    agent.destroy();
  }
});

test('bootstrap namespaces exist', async () => {
  const list = await s.req('GET', '/api/v1/namespaces');
  const names = (list.json().items ?? []).map((i) => (i['metadata'] as { name: string }).name);
  for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.ok(names.includes(n), n);
  const def = (await s.req('GET', '/api/v1/namespaces/default')).json();
  assert.equal((def['status'] as { phase: string }).phase, 'Active');
});

test('discovery: legacy and aggregated, with the media type echoed', async () => {
  const api = (await s.req('GET', '/api')).json();
  assert.deepEqual(api['versions'], ['v1']);
  const v1 = (await s.req('GET', '/api/v1')).json();
  const names = (v1['resources'] as { name: string }[]).map((r) => r.name);
  assert.ok(names.includes('pods') && names.includes('pods/log') && names.includes('pods/exec'));
  const apps = (await s.req('GET', '/apis/apps/v1')).json();
  const scale = (apps['resources'] as { name: string; group?: string; kind: string }[]).find((r) => r.name === 'deployments/scale');
  assert.equal(scale?.group, 'autoscaling');
  assert.equal(scale?.kind, 'Scale');
  const accept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
  const agg = await s.req('GET', '/apis', { accept });
  assert.equal(agg.headers['content-type'], 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  const items = agg.json()['items'] as { metadata: { name: string } }[];
  assert.ok(items.some((i) => i.metadata.name === 'apps'));
  const core = await s.req('GET', '/api', { accept: accept.replace(/v2;/, 'v2beta1;') });
  assert.equal(core.headers['content-type'], 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList');
  const groups = (await s.req('GET', '/apis')).json();
  assert.equal(groups['kind'], 'APIGroupList');
});

test('create, get, list, update, delete a ConfigMap', async () => {
  const created = await s.req('POST', '/api/v1/namespaces/default/configmaps?fieldManager=test', { body: cm('c1') });
  assert.equal(created.status, 201, created.text);
  const obj = created.json();
  const meta = obj.metadata as Record<string, unknown>;
  assert.equal(meta['namespace'], 'default');
  assert.match(String(meta['uid']), /^[0-9a-f-]{36}$/);
  assert.match(String(meta['resourceVersion']), /^\d+$/);
  assert.match(String(meta['creationTimestamp']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const got = await s.req('GET', '/api/v1/namespaces/default/configmaps/c1');
  assert.equal(got.status, 200);
  assert.deepEqual(got.json()['data'], { a: '1' });
  const dup = await s.req('POST', '/api/v1/namespaces/default/configmaps', { body: cm('c1') });
  assert.equal(dup.status, 409);
  assert.equal(dup.json()['reason'], 'AlreadyExists');

  const updated = await s.req('PUT', '/api/v1/namespaces/default/configmaps/c1', { body: { ...obj, data: { a: '2' } } });
  assert.equal(updated.status, 200, updated.text);
  assert.notEqual((updated.json().metadata as Record<string, unknown>)['resourceVersion'], meta['resourceVersion']);
  const stale = await s.req('PUT', '/api/v1/namespaces/default/configmaps/c1', { body: { ...obj, data: { a: '3' } } });
  assert.equal(stale.status, 409);
  assert.match(String(stale.json()['message']), /the object has been modified; please apply your changes to the latest version and try again/);
  const unconditional = { ...obj, metadata: { ...meta, resourceVersion: undefined }, data: { a: '4' } };
  assert.equal((await s.req('PUT', '/api/v1/namespaces/default/configmaps/c1', { body: unconditional })).status, 200);

  const list = await s.req('GET', '/api/v1/namespaces/default/configmaps');
  const body = list.json();
  assert.equal(body['kind'], 'ConfigMapList');
  assert.equal(body['apiVersion'], 'v1');
  assert.ok(body.items?.some((i) => (i['metadata'] as { name: string }).name === 'c1'));

  const del = await s.req('DELETE', '/api/v1/namespaces/default/configmaps/c1');
  assert.equal(del.status, 200);
  assert.equal(del.json()['status'], 'Success');
  const gone = await s.req('GET', '/api/v1/namespaces/default/configmaps/c1');
  assert.equal(gone.status, 404);
  assert.equal(gone.json()['message'], 'configmaps "c1" not found');
});

test('generateName, names and namespaces in the body versus the URL', async () => {
  const g = await s.req('POST', '/api/v1/namespaces/default/configmaps', { body: { ...cm(''), metadata: { generateName: 'gen-' } } });
  assert.equal(g.status, 201, g.text);
  assert.match(String((g.json().metadata as { name: string }).name), /^gen-[a-z0-9]{5}$/);
  const wrongName = await s.req('PUT', '/api/v1/namespaces/default/configmaps/x', { body: cm('y') });
  assert.equal(wrongName.status, 400);
  assert.equal(wrongName.json()['message'], 'the name of the object (y) does not match the name on the URL (x)');
  const wrongNs = await s.req('POST', '/api/v1/namespaces/default/configmaps', { body: { ...cm('n'), metadata: { name: 'n', namespace: 'other' } } });
  assert.equal(wrongNs.status, 400);
  const wrongKind = await s.req('POST', '/api/v1/namespaces/default/configmaps', { body: { ...cm('k'), kind: 'Secret' } });
  assert.equal(wrongKind.status, 400);
  const noNs = await s.req('POST', '/api/v1/namespaces/missing/configmaps', { body: cm('z') });
  assert.equal(noNs.status, 404);
  assert.equal(noNs.json()['message'], 'namespaces "missing" not found');
});

test('errors: 404 paths, 405 verbs, 415 media types, 413 bodies, malformed bodies', async () => {
  assert.equal((await s.req('GET', '/api/v1/nothings')).status, 404);
  assert.equal((await s.req('GET', '/apis/nope/v1')).status, 404);
  assert.equal((await s.req('POST', '/api/v1/namespaces/default/configmaps/x')).status, 405);
  const media = await s.req('POST', '/api/v1/namespaces/default/configmaps', { raw: 'x', contentType: 'text/plain' });
  assert.equal(media.status, 415);
  const patchMedia = await s.req('PATCH', '/api/v1/namespaces/default/configmaps/x', { raw: '{}', contentType: 'application/json' });
  assert.equal(patchMedia.status, 415);
  const big = await s.req('POST', '/api/v1/namespaces/default/configmaps', { raw: Buffer.alloc(3 * 1024 * 1024 + 10, 32) });
  assert.equal(big.status, 413);
  assert.equal(big.json()['reason'], 'RequestEntityTooLarge');
  const bad = await s.req('POST', '/api/v1/namespaces/default/configmaps', { raw: '{"metadata": {"name": "x",}' });
  assert.equal(bad.status, 400);
  assert.match(String(bad.json()['message']), /line 1, column/);
  const yaml = await s.req('POST', '/api/v1/namespaces/default/configmaps', { raw: 'metadata:\n  name: y\n data: [', contentType: 'application/yaml' });
  assert.equal(yaml.status, 400);
});

test('fuzzed JSON and YAML bodies never yield a 5xx', async () => {
  const seed = JSON.stringify(cm('fuzz', { k: 'v' }));
  const yamlSeed = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fuzzy\ndata:\n  k: v\n';
  let rnd = 12345;
  const next = (n: number): number => {
    rnd = (rnd * 1103515245 + 12345) % 2147483648;
    return rnd % n;
  };
  const mutate = (text: string): string => {
    const ops = next(3);
    let out = text;
    for (let i = 0; i <= ops; i++) {
      const at = next(out.length + 1);
      const choice = next(4);
      if (choice === 0) out = out.slice(0, at);
      else if (choice === 1) out = out.slice(0, at) + '{[]}":,-\n\t\\'[next(12)] + out.slice(at);
      else if (choice === 2) out = out.slice(0, at) + out.slice(at + 1 + next(5));
      else out = out.slice(0, at) + String.fromCharCode(next(0x3000)) + out.slice(at);
    }
    return out;
  };
  for (let i = 0; i < 150; i++) {
    const useYaml = i % 2 === 1;
    const raw = mutate(useYaml ? yamlSeed : seed);
    const r = await s.req('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', {
      raw,
      contentType: useYaml ? 'application/yaml' : 'application/json',
    });
    assert.ok(r.status < 500, `status ${r.status} for ${JSON.stringify(raw)}: ${r.text}`);
    if (r.status === 201) await s.req('DELETE', `/api/v1/namespaces/default/configmaps/${String((r.json().metadata as { name: string }).name)}`);
  }
});

test('field validation: Strict rejects unknown and duplicate fields, Warn warns, Ignore ignores', async () => {
  const raw = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fv","bogus":1},"data":{"a":"1"},"data":{"a":"2"}}';
  const strict = await s.req('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', { raw });
  assert.equal(strict.status, 400);
  assert.match(String(strict.json()['message']), /strict decoding error: unknown field "metadata.bogus", duplicate field "data"/);
  const warn = await s.req('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Warn', { raw });
  assert.equal(warn.status, 201);
  assert.match(String(warn.headers['warning']), /299 - "unknown field \\"metadata.bogus\\""/);
  const ignore = await s.req('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Ignore', { raw: raw.replace('"fv"', '"fv2"') });
  assert.equal(ignore.status, 201);
  assert.equal(ignore.headers['warning'], undefined);
});

test('field validation names unknown fields nested in lists and maps by their full path', async () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'fv-nested', labels: { any: 'label' } },
    spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'x', bogus: 1, ports: [{ containerPort: 80, wrong: true }] }], nodeSelector: { k: 'v' } },
  };
  const r = await s.req('POST', '/api/v1/namespaces/default/pods?fieldValidation=Strict&dryRun=All', { body: pod });
  assert.equal(r.status, 400, r.text);
  assert.match(String(r.json()['message']), /strict decoding error: unknown field "spec\.containers\[1\]\.bogus", unknown field "spec\.containers\[1\]\.ports\[0\]\.wrong"$/);
});

test('field validation knows the fields Kubernetes embeds inline: admission rules name their resources and scope', async () => {
  const rules = [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'], scope: 'Namespaced' }];
  const hook = { name: 'check.example.com', clientConfig: { url: 'https://example.com/check' }, rules, sideEffects: 'None', admissionReviewVersions: ['v1'] };
  const vwc = await s.req('POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations?fieldValidation=Strict&dryRun=All', {
    body: { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'v' }, webhooks: [hook] },
  });
  assert.equal(vwc.status, 201, vwc.text);
  const policy = await s.req('POST', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies?fieldValidation=Strict&dryRun=All', {
    body: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: 'p' },
      spec: { matchConstraints: { resourceRules: [{ ...rules[0], resourceNames: ['x'] }] }, validations: [{ expression: 'true' }] },
    },
  });
  assert.equal(policy.status, 201, policy.text);
});

test('YAML request bodies are accepted', async () => {
  const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n';
  const r = await s.req('POST', '/api/v1/namespaces/default/configmaps', { raw: yaml, contentType: 'application/yaml' });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json()['data'], { k: 'v' });
});

test('dryRun=All validates and answers without storing', async () => {
  const r = await s.req('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', { body: cm('dry') });
  assert.equal(r.status, 201);
  assert.equal((await s.req('GET', '/api/v1/namespaces/default/configmaps/dry')).status, 404);
  await s.req('POST', '/api/v1/namespaces/default/configmaps', { body: cm('dry2') });
  const del = await s.req('DELETE', '/api/v1/namespaces/default/configmaps/dry2?dryRun=All');
  assert.equal(del.status, 200);
  assert.equal((await s.req('GET', '/api/v1/namespaces/default/configmaps/dry2')).status, 200);
  const patch = await s.req('PATCH', '/api/v1/namespaces/default/configmaps/dry2?dryRun=All', {
    raw: '{"data":{"a":"changed"}}',
    contentType: 'application/merge-patch+json',
  });
  assert.equal(patch.status, 200, patch.text);
  assert.deepEqual(patch.json()['data'], { a: 'changed' });
  assert.deepEqual((await s.req('GET', '/api/v1/namespaces/default/configmaps/dry2')).json()['data'], { a: '1' });
});

test('invalid objects answer 422 with causes', async () => {
  const r = await s.req('POST', '/api/v1/namespaces/default/configmaps', { body: cm('Bad_Name') });
  assert.equal(r.status, 422, r.text);
  const st = r.json();
  assert.equal(st['reason'], 'Invalid');
  assert.match(String(st['message']), /^ConfigMap "Bad_Name" is invalid: metadata.name/);
  assert.ok(Array.isArray((st['details'] as { causes: unknown[] }).causes));
});

test('deployments: generation counts spec (and annotation) changes only; status only through /status', async () => {
  const base = '/apis/apps/v1/namespaces/default/deployments';
  const created = await s.req('POST', base, { body: deployment('web') });
  assert.equal(created.status, 201, created.text);
  const d = created.json();
  assert.equal((d.metadata as { generation: number }).generation, 1);
  // status in a main-resource write is ignored
  const withStatus = { ...d, status: { replicas: 9 } };
  const u1 = (await s.req('PUT', `${base}/web`, { body: withStatus })).json();
  assert.equal((u1.metadata as { generation: number }).generation, 1);
  assert.notEqual((u1['status'] as { replicas?: number } | undefined)?.replicas, 9);
  // a spec change bumps generation
  const u2 = await s.req('PATCH', `${base}/web`, { raw: '{"spec":{"replicas":3}}', contentType: 'application/merge-patch+json' });
  assert.equal(u2.status, 200, u2.text);
  assert.equal((u2.json().metadata as { generation: number }).generation, 2);
  // status writes change status only (a spec in them is ignored, with a strategic patch too)
  const sp = await s.req('PATCH', `${base}/web/status`, { raw: '{"status":{"replicas":1},"spec":{"replicas":8,"paused":true}}', contentType: 'application/strategic-merge-patch+json' });
  assert.equal(sp.status, 200, sp.text);
  assert.deepEqual([(sp.json()['spec'] as { replicas: number; paused?: boolean }).replicas, (sp.json()['spec'] as { paused?: boolean }).paused], [3, undefined]);
  const st = await s.req('PATCH', `${base}/web/status`, { raw: '{"status":{"replicas":3,"observedGeneration":2},"spec":{"replicas":7}}', contentType: 'application/merge-patch+json' });
  assert.equal(st.status, 200, st.text);
  const after = st.json();
  assert.equal((after['status'] as { replicas: number }).replicas, 3);
  assert.equal((after['spec'] as { replicas: number }).replicas, 3);
  assert.equal((after.metadata as { generation: number }).generation, 2);
  // scale subresource
  const scale = await s.req('GET', `${base}/web/scale`);
  assert.equal(scale.status, 200);
  const sc = scale.json();
  assert.equal(sc['kind'], 'Scale');
  assert.equal(sc['apiVersion'], 'autoscaling/v1');
  assert.deepEqual(sc['spec'], { replicas: 3 });
  assert.equal((sc['status'] as { selector: string }).selector, 'app=web');
  const scaled = await s.req('PATCH', `${base}/web/scale`, { raw: '{"spec":{"replicas":5}}', contentType: 'application/merge-patch+json' });
  assert.equal(scaled.status, 200, scaled.text);
  assert.equal((scaled.json()['spec'] as { replicas: number }).replicas, 5);
  const now = (await s.req('GET', `${base}/web`)).json();
  assert.equal((now['spec'] as { replicas: number }).replicas, 5);
  assert.equal((now.metadata as { generation: number }).generation, 3);
});

test('patch types: json, strategic merge, apply (creates with 201), unknown → 415', async () => {
  const base = '/apis/apps/v1/namespaces/default/deployments';
  await s.req('POST', base, { body: deployment('p1') });
  const jp = await s.req('PATCH', `${base}/p1`, { raw: '[{"op":"replace","path":"/spec/replicas","value":4}]', contentType: 'application/json-patch+json' });
  assert.equal(jp.status, 200, jp.text);
  assert.equal((jp.json()['spec'] as { replicas: number }).replicas, 4);
  const smp = await s.req('PATCH', `${base}/p1`, {
    raw: '{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"nginx:2"}]}}}}',
    contentType: 'application/strategic-merge-patch+json',
  });
  assert.equal(smp.status, 200, smp.text);
  const applyBody = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: applied\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: applied}\n  template:\n    metadata:\n      labels: {app: applied}\n    spec:\n      containers:\n      - name: c\n        image: nginx\n';
  const apply = await s.req('PATCH', `${base}/applied?fieldManager=kubectl&force=false`, { raw: applyBody, contentType: 'application/apply-patch+yaml' });
  assert.equal(apply.status, 201, apply.text);
  const again = await s.req('PATCH', `${base}/applied?fieldManager=kubectl`, { raw: applyBody.replace('replicas: 2', 'replicas: 3'), contentType: 'application/apply-patch+yaml' });
  assert.equal(again.status, 200, again.text);
  assert.equal((again.json()['spec'] as { replicas: number }).replicas, 3);
  const missing = await s.req('PATCH', `${base}/nope`, { raw: '{}', contentType: 'application/merge-patch+json' });
  assert.equal(missing.status, 404);
  const stale = await s.req('PATCH', `${base}/p1`, { raw: '{"metadata":{"resourceVersion":"1"},"spec":{"replicas":1}}', contentType: 'application/merge-patch+json' });
  assert.equal(stale.status, 409);
});

test('Table answers for kubectl get, with PartialObjectMetadata rows', async () => {
  await s.req('POST', '/api/v1/namespaces/default/configmaps', { body: cm('tab') });
  const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
  const t = await s.req('GET', '/api/v1/namespaces/default/configmaps?limit=500', { accept });
  assert.equal(t.status, 200);
  const table = t.json();
  assert.equal(table['kind'], 'Table');
  assert.equal(table['apiVersion'], 'meta.k8s.io/v1');
  const cols = table['columnDefinitions'] as { name: string }[];
  assert.equal(cols[0]?.name, 'Name');
  const rows = table['rows'] as { cells: unknown[]; object: { kind: string; metadata: { name: string } } }[];
  const row = rows.find((r) => r.object.metadata.name === 'tab');
  assert.equal(row?.object.kind, 'PartialObjectMetadata');
  const one = (await s.req('GET', '/api/v1/namespaces/default/configmaps/tab', { accept })).json();
  assert.equal((one['rows'] as unknown[]).length, 1);
  const pom = (await s.req('GET', '/api/v1/namespaces/default/configmaps', { accept: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io' })).json();
  assert.equal(pom['kind'], 'PartialObjectMetadataList');
});

test('label and field selectors on lists', async () => {
  await s.req('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sel' } } });
  await s.req('POST', '/api/v1/namespaces/sel/configmaps', { body: cm('a', {}, { tier: 'web' }) });
  await s.req('POST', '/api/v1/namespaces/sel/configmaps', { body: cm('b', {}, { tier: 'db' }) });
  const web = (await s.req('GET', '/api/v1/namespaces/sel/configmaps?labelSelector=tier%3Dweb')).json();
  assert.deepEqual(web.items?.map((i) => (i['metadata'] as { name: string }).name), ['a']);
  const byName = (await s.req('GET', '/api/v1/configmaps?fieldSelector=metadata.name%3Db')).json();
  assert.deepEqual(byName.items?.map((i) => (i['metadata'] as { namespace: string }).namespace), ['sel']);
  const badSel = await s.req('GET', '/api/v1/configmaps?fieldSelector=spec.bogus%3D1');
  assert.equal(badSel.status, 400);
  const cached = (await s.req('GET', '/api/v1/namespaces/sel/configmaps?resourceVersion=0&labelSelector=tier%3Ddb')).json();
  assert.deepEqual(cached.items?.map((i) => (i['metadata'] as { name: string }).name), ['b']);
});

test('reviews: SelfSubjectAccessReview allows, SelfSubjectReview names the user', async () => {
  const ssar = await s.req('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
    body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 'get', resource: 'pods' } } },
  });
  assert.equal(ssar.status, 201, ssar.text);
  assert.equal((ssar.json()['status'] as { allowed: boolean }).allowed, true);
  const ssr = await s.req('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
  assert.equal(ssr.status, 201, ssr.text);
  assert.equal((ssr.json()['status'] as { userInfo: { username: string } }).userInfo.username, 'admin');
  // A review has no Table form: asking only for one is 406, as Kubernetes answers.
  const table = await s.req('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
    body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { nonResourceAttributes: { path: '/', verb: 'get' } } },
    accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
  });
  assert.equal(table.status, 406, table.text);
  assert.equal(table.json()['reason'], 'NotAcceptable');
  const either = await s.req('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
    body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { nonResourceAttributes: { path: '/', verb: 'get' } } },
    accept: 'application/json;as=Table;v=v1;g=meta.k8s.io, application/json',
  });
  assert.equal(either.status, 201, either.text);
});

test('service account tokens authenticate as the service account', async () => {
  await s.req('POST', '/api/v1/namespaces/default/serviceaccounts', { body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } } });
  const tr = await s.req('POST', '/api/v1/namespaces/default/serviceaccounts/robot/token', {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
  });
  assert.equal(tr.status, 201, tr.text);
  const token = (tr.json()['status'] as { token: string }).token;
  const who = await s.req('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
    token,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
  assert.equal((who.json()['status'] as { userInfo: { username: string } }).userInfo.username, 'system:serviceaccount:default:robot');
  const review = await s.req('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
  });
  assert.equal((review.json()['status'] as { authenticated: boolean }).authenticated, true);
});

test('a Service, Ingress, CSR or Job status patch takes the annotations it sends, as their Kubernetes status strategies do', async () => {
  const svc = await s.req('POST', '/api/v1/namespaces/default/services', {
    body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'st' }, spec: { ports: [{ port: 80 }] } },
  });
  assert.equal(svc.status, 201, svc.text);
  const patched = await s.req('PATCH', '/api/v1/namespaces/default/services/st/status', {
    body: { metadata: { annotations: { patchedstatus: 'true' } }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.1' }] } } },
    contentType: 'application/merge-patch+json',
  });
  assert.equal(patched.status, 200, patched.text);
  const after = (await s.req('GET', '/api/v1/namespaces/default/services/st')).json() as { metadata: { annotations?: Record<string, string> }; status: unknown };
  assert.equal(after.metadata.annotations?.['patchedstatus'], 'true');
  assert.deepEqual(after.status, { loadBalancer: { ingress: [{ ip: '203.0.113.1' }] } });
  const ing = await s.req('POST', '/apis/networking.k8s.io/v1/namespaces/default/ingresses', {
    body: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'st' }, spec: { defaultBackend: { service: { name: 'st', port: { number: 80 } } } } },
  });
  assert.equal(ing.status, 201, ing.text);
  const ingPatched = await s.req('PATCH', '/apis/networking.k8s.io/v1/namespaces/default/ingresses/st/status', {
    body: { metadata: { annotations: { patchedstatus: 'true' } } },
    contentType: 'application/merge-patch+json',
  });
  assert.equal((ingPatched.json().metadata as { annotations?: Record<string, string> }).annotations?.['patchedstatus'], 'true');
  const job = await s.req('POST', '/apis/batch/v1/namespaces/default/jobs', {
    body: { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'st' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } } },
  });
  assert.equal(job.status, 201, job.text);
  const jobPatched = await s.req('PATCH', '/apis/batch/v1/namespaces/default/jobs/st/status', {
    body: { metadata: { annotations: { patchedstatus: 'true' } } },
    contentType: 'application/merge-patch+json',
  });
  assert.equal((jobPatched.json().metadata as { annotations?: Record<string, string> }).annotations?.['patchedstatus'], 'true');
});
