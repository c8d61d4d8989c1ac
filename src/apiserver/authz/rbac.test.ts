// RBAC over HTTP: refusals with Kubernetes' message, grants through bindings, the bootstrap
// policy, access reviews and impersonation, on a real API server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN_TOKEN, startTestServer, type TestResponse, type TestServer } from '../testing.js';

const ALICE = 'alice-token';
const SA_USER = 'system:serviceaccount:default:default';

async function server(extra: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  return startTestServer({
    tokens: new Map([
      [ADMIN_TOKEN, { username: 'admin', groups: ['system:masters'] }],
      [ALICE, { username: 'alice', groups: ['devs'] }],
    ]),
    ...extra,
  });
}

/** Repeats `attempt` until it gives `status` (bindings reach the authorizer through a watch) or the deadline passes. */
async function until(status: number, attempt: () => Promise<TestResponse>): Promise<TestResponse> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const res = await attempt();
    if (res.status === status || Date.now() > deadline) return res;
    await new Promise((r) => setTimeout(r, 10));
  }
}

function binding(kind: 'RoleBinding' | 'ClusterRoleBinding', name: string, role: { kind: string; name: string }, subjects: Record<string, string>[]): Record<string, unknown> {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind,
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...role },
    subjects: subjects.map((s) => ({ ...(s['kind'] === 'ServiceAccount' ? {} : { apiGroup: 'rbac.authorization.k8s.io' }), ...s })),
  };
}

test('a user without a binding is refused with Kubernetes\' message; a RoleBinding to the view ClusterRole grants reads in its namespace', async () => {
  const s = await server();
  try {
    const list = await s.req('GET', '/api/v1/namespaces/default/pods', { token: ALICE });
    assert.equal(list.status, 403);
    assert.deepEqual(list.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"',
      reason: 'Forbidden',
      details: { kind: 'pods' },
      code: 403,
    });
    const scale = await s.req('GET', '/apis/apps/v1/namespaces/default/deployments/web/scale', { token: ALICE });
    assert.equal(scale.json()['message'], 'deployments.apps "web" is forbidden: User "alice" cannot get resource "deployments/scale" in API group "apps" in the namespace "default"');
    assert.deepEqual(scale.json()['details'], { name: 'web', group: 'apps', kind: 'deployments' });
    const nodes = await s.req('GET', '/api/v1/nodes', { token: ALICE });
    assert.equal(nodes.json()['message'], 'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope');
    const metrics = await s.req('GET', '/metrics', { token: ALICE });
    assert.equal(metrics.status, 403);
    assert.equal(metrics.json()['message'], 'forbidden: User "alice" cannot get path "/metrics"');

    const created = await s.req('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
      body: binding('RoleBinding', 'devs-view', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'Group', name: 'devs' }]),
    });
    assert.equal(created.status, 201, created.text);
    assert.equal((await until(200, () => s.req('GET', '/api/v1/namespaces/default/pods', { token: ALICE }))).status, 200);
    assert.equal((await s.req('GET', '/apis/apps/v1/namespaces/default/deployments', { token: ALICE })).status, 200);
    // view reads, but neither writes nor reads secrets, nor reaches other namespaces.
    assert.equal((await s.req('POST', '/api/v1/namespaces/default/configmaps', { token: ALICE, body: { metadata: { name: 'c' } } })).status, 403);
    assert.equal((await s.req('GET', '/api/v1/namespaces/default/secrets', { token: ALICE })).status, 403);
    assert.equal((await s.req('GET', '/api/v1/namespaces/kube-system/pods', { token: ALICE })).status, 403);
    // The discovery every authenticated user gets.
    assert.equal((await s.req('GET', '/api/v1', { token: ALICE })).status, 200);
    assert.equal((await s.req('GET', '/apis', { token: ALICE })).status, 200);

    // Deleting the binding takes the grant away again.
    assert.equal((await s.req('DELETE', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/devs-view')).status, 200);
    assert.equal((await until(403, () => s.req('GET', '/api/v1/namespaces/default/pods', { token: ALICE }))).status, 403);
  } finally {
    await s.close();
  }
});

test('bootstrap policy: default roles with their labels, admin/edit/view already aggregated, bindings for masters and all authenticated users', async () => {
  const s = await server();
  try {
    const admin = (await s.req('GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/admin')).json();
    const meta = admin['metadata'] as { labels: Record<string, string>; annotations: Record<string, string> };
    assert.equal(meta.labels['kubernetes.io/bootstrapping'], 'rbac-defaults');
    assert.equal(meta.annotations['rbac.authorization.kubernetes.io/autoupdate'], 'true');
    const rules = admin['rules'] as { resources?: string[] }[];
    assert.ok(rules.some((r) => r.resources?.includes('rolebindings')), 'admin holds aggregate-to-admin rules');
    assert.ok(rules.some((r) => r.resources?.includes('pods/exec')), 'admin holds edit rules');
    assert.ok(rules.some((r) => r.resources?.includes('pods/log')), 'admin holds view rules');
    const crb = (await s.req('GET', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/cluster-admin')).json();
    assert.deepEqual(crb['subjects'], [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:masters' }]);
    for (const name of ['system:discovery', 'system:basic-user', 'system:public-info-viewer', 'system:node']) {
      assert.equal((await s.req('GET', `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${encodeURIComponent(name)}`)).status, 200, name);
    }
    // Without credentials only the public paths answer.
    assert.equal((await s.req('GET', '/version', { token: null })).status, 200);
    assert.equal((await s.req('GET', '/readyz', { token: null })).status, 200);
  } finally {
    await s.close();
  }
});

test('access reviews answer from RBAC; SelfSubjectRulesReview lists the rules', async () => {
  const s = await server();
  try {
    await s.req('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
      body: binding('RoleBinding', 'sa-view', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'ServiceAccount', name: 'default' }]),
    });
    const sar = (spec: Record<string, unknown>, path = '/apis/authorization.k8s.io/v1/subjectaccessreviews', token?: string) =>
      s.req('POST', path, { token: token ?? ADMIN_TOKEN, body: { apiVersion: 'authorization.k8s.io/v1', kind: path.includes('local') ? 'LocalSubjectAccessReview' : 'SubjectAccessReview', spec } });
    const allowed = await until(201, async () => {
      const r = await sar({ user: SA_USER, resourceAttributes: { namespace: 'default', verb: 'list', resource: 'pods' } });
      return (r.json()['status'] as { allowed: boolean }).allowed ? r : { ...r, status: 0 };
    });
    assert.deepEqual(allowed.json()['status'], {
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "sa-view/default" of ClusterRole "view" to ServiceAccount "default/default"',
    });
    const denied = await sar({ user: SA_USER, resourceAttributes: { namespace: 'default', verb: 'delete', resource: 'pods' } });
    assert.deepEqual(denied.json()['status'], { allowed: false });
    const local = await sar({ user: SA_USER, resourceAttributes: { verb: 'get', resource: 'pods', name: 'p' } }, '/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews');
    assert.equal(local.status, 201, local.text);
    assert.equal((local.json()['status'] as { allowed: boolean }).allowed, true);
    const invalid = await sar({ resourceAttributes: { verb: 'get', resource: 'pods' } });
    assert.equal(invalid.status, 422);
    // A plain user may not ask about others, but about itself.
    assert.equal((await sar({ user: SA_USER, resourceAttributes: { verb: 'get', resource: 'pods' } }, undefined, ALICE)).status, 403);
    const self = await s.req('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      token: ALICE,
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: 'default', verb: 'get', resource: 'pods' } } },
    });
    assert.deepEqual(self.json()['status'], { allowed: false });
    const rules = await s.req('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', {
      token: ALICE,
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'default' } },
    });
    const status = rules.json()['status'] as { resourceRules: { resources?: string[] }[]; nonResourceRules: { nonResourceURLs: string[] }[]; incomplete: boolean };
    assert.equal(status.incomplete, false);
    assert.ok(status.resourceRules.some((r) => r.resources?.includes('selfsubjectaccessreviews')));
    assert.ok(!status.resourceRules.some((r) => r.resources?.includes('pods')));
    assert.ok(status.nonResourceRules.some((r) => r.nonResourceURLs.includes('/version')));
  } finally {
    await s.close();
  }
});

test('a binding to a missing role says so in the reason', async () => {
  const s = await server();
  try {
    await s.req('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      body: binding('ClusterRoleBinding', 'alice-ghost', { kind: 'ClusterRole', name: 'ghost' }, [{ kind: 'User', name: 'alice' }]),
    });
    const res = await until(0, async () => {
      const r = await s.req('GET', '/api/v1/nodes', { token: ALICE });
      return String(r.json()['message']).includes('ghost') ? { ...r, status: 0 } : r;
    });
    assert.equal(res.json()['message'], 'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope: RBAC: clusterrole.rbac.authorization.k8s.io "ghost" not found');
  } finally {
    await s.close();
  }
});

test('impersonation: allowed by the impersonate verb, acting with the impersonated user\'s rights', async () => {
  const s = await server();
  const as = (token: string, headers: Record<string, string | string[]>) => s.req('GET', '/api/v1/namespaces/default/pods', { token, headers });
  try {
    // The admin may impersonate anyone; the service account may not list pods.
    const refused = await as(ADMIN_TOKEN, { 'impersonate-user': SA_USER });
    assert.equal(refused.status, 403);
    assert.equal(refused.json()['message'], `pods is forbidden: User "${SA_USER}" cannot list resource "pods" in API group "" in the namespace "default"`);
    assert.equal((await as(ADMIN_TOKEN, { 'impersonate-user': 'bob', 'impersonate-group': ['x', 'system:masters'] })).status, 200);
    // alice may not impersonate until a role lets her, and then only whom it names.
    const no = await as(ALICE, { 'impersonate-user': 'bob' });
    assert.equal(no.json()['message'], 'users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope');
    await s.req('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'be-bob' }, rules: [{ apiGroups: [''], resources: ['users'], verbs: ['impersonate'], resourceNames: ['bob'] }] },
    });
    await s.req('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      body: binding('ClusterRoleBinding', 'alice-be-bob', { kind: 'ClusterRole', name: 'be-bob' }, [{ kind: 'User', name: 'alice' }]),
    });
    const asBob = await until(403, async () => {
      const r = await as(ALICE, { 'impersonate-user': 'bob' });
      return String(r.json()['message']).startsWith('pods') ? r : { ...r, status: 0 };
    });
    assert.equal(asBob.json()['message'], 'pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "default"');
    const group = await as(ALICE, { 'impersonate-user': 'bob', 'impersonate-group': 'system:masters' });
    assert.equal(group.json()['message'], 'groups "system:masters" is forbidden: User "alice" cannot impersonate resource "groups" in API group "" at the cluster scope');
    // Who the request ran as.
    const who = await s.req('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      token: ALICE,
      headers: { 'impersonate-user': 'bob' },
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    assert.deepEqual((who.json()['status'] as { userInfo: unknown }).userInfo, { username: 'bob', groups: ['system:authenticated'] });
    const noUser = await as(ADMIN_TOKEN, { 'impersonate-group': 'x' });
    assert.equal(noUser.status, 500);
  } finally {
    await s.close();
  }
});

test('--authorization-mode AlwaysAllow lets every authenticated user do anything', async () => {
  const s = await server({ authorizationMode: 'AlwaysAllow' });
  try {
    assert.equal((await s.req('GET', '/api/v1/namespaces/default/secrets', { token: ALICE })).status, 200);
    assert.equal((await s.req('GET', '/api/v1/nodes', { token: ALICE })).status, 200);
  } finally {
    await s.close();
  }
});
