// The OpenAPI documents against the real kubectl binaries (1.27 reads /openapi/v2 as protobuf,
// 1.30 and 1.33 read /openapi/v3). A small HTTP server here serves /version, legacy discovery
// and the documents, and records the requests kubectl makes.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceInfo } from '../../api/resources.js';
import { createOpenApi, type OpenApiDocument } from './openapi.js';

const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';
const kubectlPath = (minor: number): string => path.join(KUBECTL_DIR, `kubectl.1.${minor}`);

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;
const PODS: ResourceInfo = {
  group: '', version: 'v1', kind: 'Pod', listKind: 'PodList', plural: 'pods', singular: 'pod', namespaced: true,
  verbs: ALL_VERBS, shortNames: ['po'], categories: ['all'],
  subresources: [
    { name: 'status', kind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get', 'patch', 'update'] },
    { name: 'log', kind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get'] },
  ],
};
const DEPLOYMENTS: ResourceInfo = {
  group: 'apps', version: 'v1', kind: 'Deployment', listKind: 'DeploymentList', plural: 'deployments', singular: 'deployment',
  namespaced: true, verbs: ALL_VERBS, shortNames: ['deploy'], categories: ['all'],
  subresources: [{ name: 'scale', kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] }],
};
/** Without a PATCH operation kubectl cannot delegate field validation, so it validates itself. */
const CONFIGMAPS_WITHOUT_PATCH: ResourceInfo = {
  group: '', version: 'v1', kind: 'ConfigMap', listKind: 'ConfigMapList', plural: 'configmaps', singular: 'configmap',
  namespaced: true, verbs: ['create', 'get', 'list'], shortNames: ['cm'], categories: [], subresources: [],
};
const RESOURCES = [PODS, DEPLOYMENTS, CONFIGMAPS_WITHOUT_PATCH];

interface Recorded {
  method: string;
  url: string;
  accept: string;
  body: string;
}

interface TestServer {
  url: string;
  requests: Recorded[];
  /** The minor version /version reports (kubectl's dispatcher picks a binary by it). */
  minor: number;
  /** When false, /openapi/v3 answers 404 as servers before 1.24 did. */
  serveV3: boolean;
  close(): Promise<void>;
}

function resourceList(groupVersion: string, resources: readonly ResourceInfo[]): unknown {
  return {
    kind: 'APIResourceList', apiVersion: 'v1', groupVersion,
    resources: resources.map((r) => ({
      name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs, shortNames: r.shortNames,
    })),
  };
}

async function startServer(): Promise<TestServer> {
  const openapi = createOpenApi(RESOURCES);
  const state = { requests: [] as Recorded[], minor: 33, serveV3: true };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      state.requests.push({ method: req.method ?? '', url: req.url ?? '', accept: req.headers.accept ?? '', body });
      const url = new URL(req.url ?? '/', 'http://localhost');
      const send = (code: number, document: OpenApiDocument): void => {
        res.writeHead(code, { 'content-type': document.contentType });
        res.end(document.body);
      };
      const json = (code: number, value: unknown): void => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      const notFound = (): void => json(404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404 });
      const p = url.pathname;
      if (p === '/version') return json(200, { major: '1', minor: String(state.minor), gitVersion: `v1.${state.minor}.0`, platform: 'linux/amd64' });
      if (p === '/api') return json(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
      if (p === '/apis') {
        const apps = { groupVersion: 'apps/v1', version: 'v1' };
        return json(200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [{ name: 'apps', versions: [apps], preferredVersion: apps }] });
      }
      if (p === '/api/v1') return json(200, resourceList('v1', [PODS, CONFIGMAPS_WITHOUT_PATCH]));
      if (p === '/apis/apps/v1') return json(200, resourceList('apps/v1', [DEPLOYMENTS]));
      if (p === '/openapi/v2') return send(200, (req.headers.accept ?? '').includes('protobuf') ? openapi.v2Protobuf() : openapi.v2Json());
      if (p.startsWith('/openapi/v3') && !state.serveV3) return notFound();
      if (p === '/openapi/v3') return send(200, openapi.v3Index());
      if (p.startsWith('/openapi/v3/')) {
        const document = openapi.v3Document(p.slice('/openapi/v3/'.length));
        return document ? send(200, document) : notFound();
      }
      if (req.method === 'POST') return json(201, JSON.parse(body));
      notFound();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

let server: TestServer;
let work: string;

function kubectl(minor: number, args: readonly string[]): Promise<KubectlResult> {
  const cacheDir = mkdtempSync(path.join(work, 'cache-'));
  const kubeconfig = path.join(work, 'kubeconfig');
  return new Promise((resolve) => {
    execFile(kubectlPath(minor), ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

function writeManifest(name: string, yaml: string): string {
  const file = path.join(work, name);
  writeFileSync(file, yaml);
  return file;
}

const POD_WITH_UNKNOWN_FIELD = `apiVersion: v1
kind: Pod
metadata: {name: p1}
spec:
  containers:
  - name: c
    image: busybox
    bogusField: 1
    ports: [{containerPort: 80}]
`;
const CONFIGMAP_WITH_UNKNOWN_FIELD = `apiVersion: v1
kind: ConfigMap
metadata: {name: cm1}
data: {a: b}
bogus: 1
`;

const MINORS = [27, 30, 33].filter((minor) => existsSync(kubectlPath(minor)));

describe('OpenAPI documents with the real kubectl', { skip: MINORS.length === 0 ? 'no kubectl binaries' : false }, () => {
  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'k8ts-openapi-'));
    server = await startServer();
    writeFileSync(path.join(work, 'kubeconfig'), [
      'apiVersion: v1', 'kind: Config', 'current-context: t',
      `clusters: [{name: t, cluster: {server: "${server.url}"}}]`,
      'contexts: [{name: t, context: {cluster: t, user: u}}]',
      'users: [{name: u, user: {}}]', '',
    ].join('\n'));
  });
  after(async () => {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  });

  for (const minor of MINORS) {
    test(`kubectl 1.${minor} explain pods.spec.containers shows descriptions and fields`, async () => {
      server.minor = minor;
      server.serveV3 = true;
      const result = await kubectl(minor, ['explain', 'pods.spec.containers']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /KIND:\s+Pod/);
      assert.match(result.stdout, /List of containers belonging to the pod/);
      assert.match(result.stdout, /name\s+<string> -required-/);
      assert.match(result.stdout, /ports\s+<\[\]ContainerPort>/);
      assert.match(result.stdout, /Container image name/);
    });

    test(`kubectl 1.${minor} explain names IntOrString and Quantity as Kubernetes does`, async () => {
      server.minor = minor;
      server.serveV3 = true;
      const port = await kubectl(minor, ['explain', 'pods.spec.containers.livenessProbe.httpGet.port']);
      assert.match(port.stdout, /FIELD: port <IntOrString>/, port.stderr);
      const limits = await kubectl(minor, ['explain', 'pods.spec.containers.resources.limits']);
      assert.match(limits.stdout, /FIELD: limits <map\[string\]Quantity>/, limits.stderr);
    });

    test(`kubectl 1.${minor} create --validate=true delegates field validation to the server`, async () => {
      server.minor = minor;
      server.serveV3 = true;
      server.requests.length = 0;
      const result = await kubectl(minor, ['create', '--validate=true', '-f', writeManifest('pod.yaml', POD_WITH_UNKNOWN_FIELD)]);
      assert.equal(result.code, 0, result.stderr);
      const post = server.requests.find((r) => r.method === 'POST');
      assert.ok(post, 'kubectl sent the pod');
      assert.match(post.url, /fieldValidation=Strict/);
      assert.match(post.body, /bogusField/);
    });

    test(`kubectl 1.${minor} validates client-side a kind the server cannot validate`, async () => {
      server.minor = minor;
      server.serveV3 = true;
      server.requests.length = 0;
      const result = await kubectl(minor, ['create', '--validate=true', '-f', writeManifest('cm.yaml', CONFIGMAP_WITH_UNKNOWN_FIELD)]);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /unknown field "bogus" in io\.k8s\.api\.core\.v1\.ConfigMap/);
      assert.equal(server.requests.some((r) => r.method === 'POST'), false);
    });
  }

  test('kubectl 1.27 reads /openapi/v2 as protobuf: explain and validation without /openapi/v3', { skip: !MINORS.includes(27) }, async () => {
    server.minor = 27;
    server.serveV3 = false;
    server.requests.length = 0;
    const explain = await kubectl(27, ['explain', 'deployments.spec.strategy']);
    assert.equal(explain.code, 0, explain.stderr);
    assert.match(explain.stdout, /RESOURCE: strategy <Object>/);
    assert.match(explain.stdout, /The deployment strategy to use to replace existing pods with new ones/);
    assert.match(explain.stdout, /rollingUpdate\s+<Object>/);
    assert.ok(server.requests.some((r) => r.url.startsWith('/openapi/v2') && r.accept.includes('protobuf')));

    const create = await kubectl(27, ['create', '--validate=true', '-f', writeManifest('pod.yaml', POD_WITH_UNKNOWN_FIELD)]);
    assert.equal(create.code, 0, create.stderr);
    const post = server.requests.find((r) => r.method === 'POST');
    assert.match(post?.url ?? '', /fieldValidation=Strict/);
  });
});
