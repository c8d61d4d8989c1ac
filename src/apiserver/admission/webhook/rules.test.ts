import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findResource, type ResourceInfo } from '../../../api/resources.js';
import { SYSTEM_APISERVER } from '../../authn/user.js';
import type { Attributes, Operation } from './attributes.js';
import { matchRules } from './rules.js';
import { webhooksOf, type Rule, type Webhook } from './webhook.js';

function resource(group: string, version: string, plural: string): ResourceInfo {
  const r = findResource(group, version, plural);
  assert.ok(r, plural);
  return r;
}

function attrs(r: ResourceInfo, o: { operation?: Operation; subresource?: string; namespace?: string; requestVersion?: string } = {}): Attributes {
  return {
    operation: o.operation ?? 'CREATE',
    resource: r,
    requestVersion: o.requestVersion ?? r.version,
    subresource: o.subresource ?? '',
    namespace: o.namespace ?? (r.namespaced ? 'default' : ''),
    name: 'x',
    object: undefined,
    oldObject: undefined,
    options: undefined,
    dryRun: false,
    user: SYSTEM_APISERVER,
    warnings: [],
  };
}

function webhook(rules: Rule[], extra: Record<string, unknown> = {}): Webhook {
  const [w] = webhooksOf({ metadata: { name: 'c' }, webhooks: [{ name: 'w.example.com', clientConfig: { url: 'https://x' }, rules, ...extra }] }, 'validating');
  assert.ok(w);
  return w;
}

const pods = resource('', 'v1', 'pods');
const all = (resources: string[], scope?: string): Rule => ({ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources, ...(scope ? { scope } : {}) });

test('"*" matches resources but not their subresources; "*/*" and "pods/status" match subresources', () => {
  assert.ok(matchRules(webhook([all(['*'])]), attrs(pods)));
  assert.equal(matchRules(webhook([all(['*'])]), attrs(pods, { subresource: 'status' })), undefined);
  assert.ok(matchRules(webhook([all(['*/*'])]), attrs(pods, { subresource: 'status' })));
  assert.ok(matchRules(webhook([all(['pods/status'])]), attrs(pods, { subresource: 'status' })));
  assert.equal(matchRules(webhook([all(['pods/status'])]), attrs(pods)), undefined);
  assert.ok(matchRules(webhook([all(['pods/*'])]), attrs(pods, { subresource: 'exec', operation: 'CONNECT' })));
});

test('operations must list the request operation (or "*")', () => {
  const rule: Rule = { operations: ['UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] };
  assert.equal(matchRules(webhook([rule]), attrs(pods)), undefined);
  assert.ok(matchRules(webhook([rule]), attrs(pods, { operation: 'UPDATE' })));
});

test('scope: a namespace object is cluster-scoped although the request carries its name as namespace', () => {
  const namespaces = resource('', 'v1', 'namespaces');
  const nsRequest = attrs(namespaces, { namespace: 'team-a' });
  assert.equal(matchRules(webhook([all(['*'], 'Namespaced')]), nsRequest), undefined);
  assert.ok(matchRules(webhook([all(['*'], 'Cluster')]), nsRequest));
  assert.ok(matchRules(webhook([all(['*'], 'Namespaced')]), attrs(pods)));
  assert.equal(matchRules(webhook([all(['*'], 'Cluster')]), attrs(pods)), undefined);
  assert.ok(matchRules(webhook([all(['*'], 'Cluster')]), attrs(resource('', 'v1', 'nodes'))));
});

test('matchPolicy Equivalent sends a request made at another version as the version the rule names; Exact does not match it', () => {
  const hpas = resource('autoscaling', 'v2', 'horizontalpodautoscalers');
  const v2only: Rule = { operations: ['CREATE'], apiGroups: ['autoscaling'], apiVersions: ['v2'], resources: ['horizontalpodautoscalers'] };
  const viaV1 = attrs(hpas, { requestVersion: 'v1' });
  const inv = matchRules(webhook([v2only]), viaV1);
  assert.deepEqual(inv?.resource, { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' });
  assert.deepEqual(inv?.kind, { group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler' });
  assert.equal(matchRules(webhook([v2only], { matchPolicy: 'Exact' }), viaV1), undefined);
});
