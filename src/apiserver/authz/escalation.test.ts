// RBAC privilege-escalation prevention over HTTP: role and binding writes refused with
// Kubernetes' message unless the writer holds the permissions, or may escalate or bind.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestServer, type TestResponse, type TestServer } from '../testing.js';

const ALICE = 'alice-token';
const RBAC = 'rbac.authorization.k8s.io';
const API = `/apis/${RBAC}/v1`;
const ALICE_NOT_HOLDING = 'user "alice" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n';

async function server(): Promise<TestServer> {
  return startTestServer({
    tokens: new Map([
      ['test-admin-token', { username: 'admin', groups: ['system:masters'] }],
      [ALICE, { username: 'alice', groups: ['devs'] }],
    ]),
  });
}

/** Repeats `attempt` until it gives `status` (grants reach the authorizer through a watch) or the deadline passes. */
async function until(status: number, attempt: () => Promise<TestResponse>): Promise<TestResponse> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const res = await attempt();
    if (res.status === status || Date.now() > deadline) return res;
    await new Promise((r) => setTimeout(r, 10));
  }
}

type Rule = Record<string, string[]>;

function role(kind: 'Role' | 'ClusterRole', name: string, rules: Rule[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: `${RBAC}/v1`, kind, metadata: { name }, rules, ...extra };
}

function binding(kind: 'RoleBinding' | 'ClusterRoleBinding', name: string, ref: { kind: string; name: string }, subject: Record<string, string>): Record<string, unknown> {
  const s = subject['kind'] === 'ServiceAccount' ? subject : { apiGroup: RBAC, ...subject };
  return { apiVersion: `${RBAC}/v1`, kind, metadata: { name }, roleRef: { apiGroup: RBAC, ...ref }, subjects: [s] };
}

const ALICE_SUBJECT = { kind: 'User', name: 'alice' };
const RBAC_WRITE = { verbs: ['create', 'update', 'patch', 'get', 'list', 'delete'], apiGroups: [RBAC], resources: ['roles', 'rolebindings'] };

async function created(s: TestServer, path: string, body: Record<string, unknown>): Promise<void> {
  const res = await s.req('POST', path, { body });
  assert.equal(res.status, 201, res.text);
}

test('a namespace admin cannot bind cluster-admin or write roles beyond their own rules; escalate and bind lift that', async () => {
  const s = await server();
  try {
    await created(s, '/api/v1/namespaces', { metadata: { name: 'team' } });
    // alice: admin of namespace team (its pods, configmaps, roles and bindings), and may create ClusterRoleBindings.
    await created(s, `${API}/clusterroles`, role('ClusterRole', 'team-admin', [{ verbs: ['*'], apiGroups: [''], resources: ['pods', 'configmaps'] }, RBAC_WRITE]));
    await created(s, `${API}/namespaces/team/rolebindings`, binding('RoleBinding', 'alice-admin', { kind: 'ClusterRole', name: 'team-admin' }, ALICE_SUBJECT));
    await created(s, `${API}/clusterroles`, role('ClusterRole', 'crb-writer', [{ verbs: ['create'], apiGroups: [RBAC], resources: ['clusterrolebindings'] }]));
    await created(s, `${API}/clusterrolebindings`, binding('ClusterRoleBinding', 'alice-crb', { kind: 'ClusterRole', name: 'crb-writer' }, ALICE_SUBJECT));

    // Within what alice holds: allowed.
    const pods = role('Role', 'pod-reader', [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }]);
    const ok = await until(201, () => s.req('POST', `${API}/namespaces/team/roles`, { token: ALICE, body: pods }));
    assert.equal(ok.status, 201, ok.text);
    const rb = await s.req('POST', `${API}/namespaces/team/rolebindings`, {
      token: ALICE,
      body: binding('RoleBinding', 'bob-admin', { kind: 'ClusterRole', name: 'team-admin' }, { kind: 'User', name: 'bob' }),
    });
    assert.equal(rb.status, 201, rb.text);

    // Binding cluster-admin, cluster-wide or in her namespace: refused, naming what she lacks.
    const crb = await s.req('POST', `${API}/clusterrolebindings`, {
      token: ALICE,
      body: binding('ClusterRoleBinding', 'x', { kind: 'ClusterRole', name: 'cluster-admin' }, { kind: 'User', name: 'me' }),
    });
    assert.equal(crb.status, 403, crb.text);
    assert.deepEqual(crb.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `clusterrolebindings.${RBAC} "x" is forbidden: ${ALICE_NOT_HOLDING}{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}`,
      reason: 'Forbidden',
      details: { name: 'x', group: RBAC, kind: 'clusterrolebindings' },
      code: 403,
    });
    const nsAdmin = await s.req('POST', `${API}/namespaces/team/rolebindings`, {
      token: ALICE,
      body: binding('RoleBinding', 'y', { kind: 'ClusterRole', name: 'cluster-admin' }, { kind: 'User', name: 'me' }),
    });
    assert.equal(nsAdmin.status, 403, nsAdmin.text);
    assert.match(String(nsAdmin.json()['message']), /^rolebindings\.rbac\.authorization\.k8s\.io "y" is forbidden: user "alice"/);
    // A binding to a role that does not exist: Kubernetes answers NotFound.
    const missing = await s.req('POST', `${API}/namespaces/team/rolebindings`, {
      token: ALICE,
      body: binding('RoleBinding', 'z', { kind: 'Role', name: 'nope' }, { kind: 'User', name: 'me' }),
    });
    assert.equal(missing.status, 404, missing.text);
    assert.equal(missing.json()['message'], `roles.${RBAC} "nope" not found`);

    // A Role with rules beyond hers, created or updated: refused.
    const services = role('Role', 'svc', [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['services', 'pods'] }]);
    const beyond = await s.req('POST', `${API}/namespaces/team/roles`, { token: ALICE, body: services });
    assert.equal(beyond.status, 403, beyond.text);
    assert.equal(beyond.json()['message'], `roles.${RBAC} "svc" is forbidden: ${ALICE_NOT_HOLDING}{APIGroups:[""], Resources:["services"], Verbs:["get" "list"]}`);
    const widened = await s.req('PUT', `${API}/namespaces/team/roles/pod-reader`, {
      token: ALICE,
      body: { ...pods, metadata: { name: 'pod-reader', namespace: 'team' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }] },
    });
    assert.equal(widened.status, 403, widened.text);
    assert.match(String(widened.json()['message']), /^roles\.rbac\.authorization\.k8s\.io "pod-reader" is forbidden: .*\n\{APIGroups:\[""\], Resources:\["secrets"\], Verbs:\["get"\]\}$/s);

    // `escalate` on roles in team lets her write any Role there.
    await created(s, `${API}/namespaces/team/roles`, role('Role', 'escalator', [{ verbs: ['escalate'], apiGroups: [RBAC], resources: ['roles'] }]));
    await created(s, `${API}/namespaces/team/rolebindings`, binding('RoleBinding', 'alice-escalate', { kind: 'Role', name: 'escalator' }, ALICE_SUBJECT));
    const escalated = await until(201, () => s.req('POST', `${API}/namespaces/team/roles`, { token: ALICE, body: services }));
    assert.equal(escalated.status, 201, escalated.text);

    // `bind` on the clusterrole named: she may bind it, cluster-wide; a bind on another name does not count.
    await created(s, `${API}/clusterroles`, role('ClusterRole', 'bind-view', [{ verbs: ['bind'], apiGroups: [RBAC], resources: ['clusterroles'], resourceNames: ['view'] }]));
    await created(s, `${API}/clusterrolebindings`, binding('ClusterRoleBinding', 'alice-bind-view', { kind: 'ClusterRole', name: 'bind-view' }, ALICE_SUBJECT));
    const view = await until(201, () => s.req('POST', `${API}/clusterrolebindings`, {
      token: ALICE,
      body: binding('ClusterRoleBinding', 'me-view', { kind: 'ClusterRole', name: 'view' }, { kind: 'User', name: 'me' }),
    }));
    assert.equal(view.status, 201, view.text);
    const stillRefused = await s.req('POST', `${API}/clusterrolebindings`, {
      token: ALICE,
      body: binding('ClusterRoleBinding', 'x', { kind: 'ClusterRole', name: 'cluster-admin' }, { kind: 'User', name: 'me' }),
    });
    assert.equal(stillRefused.status, 403, stillRefused.text);
    await created(s, `${API}/clusterroles`, role('ClusterRole', 'bind-admin', [{ verbs: ['bind'], apiGroups: [RBAC], resources: ['clusterroles'], resourceNames: ['cluster-admin'] }]));
    await created(s, `${API}/clusterrolebindings`, binding('ClusterRoleBinding', 'alice-bind-admin', { kind: 'ClusterRole', name: 'bind-admin' }, ALICE_SUBJECT));
    const bound = await until(201, () => s.req('POST', `${API}/clusterrolebindings`, {
      token: ALICE,
      body: binding('ClusterRoleBinding', 'x', { kind: 'ClusterRole', name: 'cluster-admin' }, { kind: 'User', name: 'me' }),
    }));
    assert.equal(bound.status, 201, bound.text);
  } finally {
    await s.close();
  }
});

test('a ServiceAccount with edit-like rights cannot grant secrets access it lacks; system:masters can', async () => {
  const s = await server();
  const asBuilder = { 'impersonate-user': 'system:serviceaccount:default:builder' };
  try {
    await created(s, `${API}/clusterroles`, role('ClusterRole', 'editor', [
      { verbs: ['*'], apiGroups: [''], resources: ['pods', 'configmaps'] },
      { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['public'] },
      RBAC_WRITE,
    ]));
    await created(s, `${API}/namespaces/default/rolebindings`, binding('RoleBinding', 'builder-edit', { kind: 'ClusterRole', name: 'editor' }, { kind: 'ServiceAccount', name: 'builder' }));
    const cm = role('Role', 'cm', [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }, { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['public'] }]);
    const ok = await until(201, () => s.req('POST', `${API}/namespaces/default/roles`, { headers: asBuilder, body: cm }));
    assert.equal(ok.status, 201, ok.text);

    const secrets = role('Role', 'secrets', [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['secrets'] }]);
    const refused = await s.req('POST', `${API}/namespaces/default/roles`, { headers: asBuilder, body: secrets });
    assert.equal(refused.status, 403, refused.text);
    assert.equal(
      refused.json()['message'],
      `roles.${RBAC} "secrets" is forbidden: user "system:serviceaccount:default:builder" (groups=["system:serviceaccounts" "system:serviceaccounts:default" "system:authenticated"]) ` +
        'is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}',
    );
    // Nor through a binding to a role that holds it, nor in a namespace it has no rights in.
    await created(s, `${API}/namespaces/default/roles`, secrets);
    const rb = await s.req('POST', `${API}/namespaces/default/rolebindings`, {
      headers: asBuilder,
      body: binding('RoleBinding', 'me-secrets', { kind: 'Role', name: 'secrets' }, { kind: 'User', name: 'me' }),
    });
    assert.equal(rb.status, 403, rb.text);
    assert.match(String(rb.json()['message']), /^rolebindings\.rbac\.authorization\.k8s\.io "me-secrets" is forbidden: user "system:serviceaccount:default:builder"/);
    // A dry run is checked as a real write.
    const dry = await s.req('POST', `${API}/namespaces/default/roles?dryRun=All`, { headers: asBuilder, body: { ...secrets, metadata: { name: 'dry' } } });
    assert.equal(dry.status, 403, dry.text);
    // Only the GC's fields changed: no check (the role binds what the account lacks, yet it may set finalizers).
    const mine = await s.req('GET', `${API}/namespaces/default/roles/secrets`);
    const gcOnly = await s.req('PUT', `${API}/namespaces/default/roles/secrets`, { headers: asBuilder, body: { ...mine.json(), metadata: { ...mine.json().metadata, finalizers: ['example.com/keep'] } } });
    assert.equal(gcOnly.status, 200, gcOnly.text);
  } finally {
    await s.close();
  }
});

test('an aggregationRule needs cluster-wide * on everything, whatever the rules', async () => {
  const s = await server();
  try {
    // alice may write clusterroles (without `escalate`, which would lift every check).
    const verbs = ['get', 'list', 'create', 'update', 'patch', 'delete'];
    await created(s, `${API}/clusterroles`, role('ClusterRole', 'almost', [{ verbs, apiGroups: ['*'], resources: ['*'] }]));
    await created(s, `${API}/clusterrolebindings`, binding('ClusterRoleBinding', 'alice-almost', { kind: 'ClusterRole', name: 'almost' }, ALICE_SUBJECT));
    const plain = role('ClusterRole', 'plain', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]);
    const ok = await until(201, () => s.req('POST', `${API}/clusterroles`, { token: ALICE, body: plain }));
    assert.equal(ok.status, 201, ok.text);
    const aggregated = role('ClusterRole', 'agg', [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'example.com/agg': 'true' } }] } });
    const refused = await s.req('POST', `${API}/clusterroles`, { token: ALICE, body: aggregated });
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.json()['message'], `clusterroles.${RBAC} "agg" is forbidden: must have cluster-admin privileges to use the aggregationRule`);
    // Dropping one from an existing role is refused too.
    await created(s, `${API}/clusterroles`, aggregated);
    const current = (await s.req('GET', `${API}/clusterroles/agg`)).json();
    const dropped = await s.req('PUT', `${API}/clusterroles/agg`, { token: ALICE, body: { ...current, aggregationRule: null, rules: [] } });
    assert.equal(dropped.status, 403, dropped.text);
  } finally {
    await s.close();
  }
});
