import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors.js';
import { labelSelectorFromObject, labelSelectorFromSet, parseLabelSelector, validateLabelSelector } from './labels.js';

function badRequest(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ApiError, 'throws ApiError');
    assert.equal(e.reason, 'BadRequest');
    assert.equal(e.code, 400);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

// Examples from the Kubernetes documentation, "Labels and Selectors".
test('equality-based requirements', () => {
  const prod = parseLabelSelector('environment = production');
  assert.ok(prod.matches({ environment: 'production' }));
  assert.ok(!prod.matches({ environment: 'qa' }));
  assert.ok(!prod.matches({}));
  assert.equal(prod.toString(), 'environment=production');

  const notFrontend = parseLabelSelector('tier != frontend');
  assert.ok(notFrontend.matches({ tier: 'backend' }));
  assert.ok(notFrontend.matches({}), 'a missing label is "not equal"');
  assert.ok(!notFrontend.matches({ tier: 'frontend' }));

  const both = parseLabelSelector('environment=production,tier!=frontend');
  assert.ok(both.matches({ environment: 'production', tier: 'backend' }));
  assert.ok(!both.matches({ environment: 'production', tier: 'frontend' }));
  assert.equal(parseLabelSelector('a==b').toString(), 'a==b');
});

test('set-based requirements', () => {
  const inSet = parseLabelSelector('environment in (production, qa)');
  assert.ok(inSet.matches({ environment: 'qa' }));
  assert.ok(!inSet.matches({ environment: 'dev' }));
  assert.ok(!inSet.matches({}));
  assert.equal(inSet.toString(), 'environment in (production,qa)');

  const notIn = parseLabelSelector('tier notin (frontend, backend)');
  assert.ok(notIn.matches({ tier: 'cache' }));
  assert.ok(notIn.matches({}));
  assert.ok(!notIn.matches({ tier: 'backend' }));

  const exists = parseLabelSelector('partition');
  assert.ok(exists.matches({ partition: '' }));
  assert.ok(!exists.matches({ other: 'x' }));

  const absent = parseLabelSelector('!partition');
  assert.ok(absent.matches({}));
  assert.ok(!absent.matches({ partition: 'a' }));

  const mixed = parseLabelSelector('partition in (customerA, customerB),environment!=qa');
  assert.ok(mixed.matches({ partition: 'customerA', environment: 'prod' }));
  assert.ok(!mixed.matches({ partition: 'customerA', environment: 'qa' }));
  assert.equal(mixed.toString(), 'environment!=qa,partition in (customerA,customerB)');
});

test('canonical string: requirements sorted by key, values sorted, duplicates dropped', () => {
  assert.equal(parseLabelSelector(' z , !y ,x in (c,a,b,a), w notin (2,1)').toString(), 'w notin (1,2),x in (a,b,c),!y,z');
  assert.equal(parseLabelSelector('').toString(), '');
  assert.ok(parseLabelSelector('   ').empty);
  assert.ok(parseLabelSelector('').matches(undefined));
});

test('in and notin are keywords only in operator position', () => {
  const s = parseLabelSelector('in in (in, notin)');
  assert.ok(s.matches({ in: 'notin' }));
  assert.equal(s.toString(), 'in in (in,notin)');
});

test('empty values', () => {
  assert.ok(parseLabelSelector('a=').matches({ a: '' }));
  assert.ok(!parseLabelSelector('a=').matches({}));
  assert.equal(parseLabelSelector('a in ()').toString(), 'a in ()');
  assert.ok(parseLabelSelector('a in (,b)').matches({ a: '' }));
});

test('gt and lt compare integers', () => {
  const s = parseLabelSelector('replicas>3,replicas<10');
  assert.ok(s.matches({ replicas: '5' }));
  assert.ok(!s.matches({ replicas: '3' }));
  assert.ok(!s.matches({ replicas: 'many' }));
  assert.equal(s.toString(), 'replicas>3,replicas<10');
  badRequest(() => parseLabelSelector('a>b'), /for 'Gt', 'Lt' operators, the value must be an integer/);
});

test('syntax errors are BadRequest with Kubernetes wording', () => {
  badRequest(() => parseLabelSelector('a=b c'), "found 'c', expected: ',' or 'end of string'");
  badRequest(() => parseLabelSelector('a,'), "found '', expected: identifier after ','");
  badRequest(() => parseLabelSelector('=a'), "found '=', expected: !, identifier, or 'end of string'");
  badRequest(() => parseLabelSelector('a in b'), "unable to parse requirement: found 'b' expected: '('");
  badRequest(() => parseLabelSelector('a in (b c)'), "unable to parse requirement: found 'c', expected: ',' or ')'");
  badRequest(() => parseLabelSelector('a (b)'), 'unable to parse requirement: found \'(\', expected: in, notin, =, ==, !=, gt, lt');
  badRequest(() => parseLabelSelector('a=(b)'), "unable to parse requirement: found '(', expected: identifier");
  badRequest(() => parseLabelSelector('!a=b'), "found '=', expected: ',' or 'end of string'");
});

test('invalid keys and values are named', () => {
  badRequest(
    () => parseLabelSelector('-ltier=postgres'),
    'unable to parse requirement: <nil>: Invalid value: "-ltier": name part must consist of alphanumeric characters, ' +
      "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or " +
      "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
  );
  badRequest(() => parseLabelSelector('app=-bad'), /^unable to parse requirement: values\[0\]\[app\]: Invalid value: "-bad": a valid label must be/);
  badRequest(() => parseLabelSelector('a/b/c'), /a qualified name must consist/);
  badRequest(() => parseLabelSelector('Example.com/x'), /prefix part a lowercase RFC 1123 subdomain/);
  badRequest(() => parseLabelSelector(`a=${'x'.repeat(64)}`), /must be no more than 63 characters/);
  assert.ok(parseLabelSelector('example.com/app=web_1.x').matches({ 'example.com/app': 'web_1.x' }));
});

test('labelSelectorFromObject compiles matchLabels and matchExpressions', () => {
  const s = labelSelectorFromObject({
    matchLabels: { component: 'redis' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['cache'] },
      { key: 'environment', operator: 'NotIn', values: ['dev'] },
      { key: 'owner', operator: 'Exists' },
      { key: 'legacy', operator: 'DoesNotExist' },
    ],
  });
  assert.ok(s.matches({ component: 'redis', tier: 'cache', environment: 'prod', owner: 'x' }));
  assert.ok(!s.matches({ component: 'redis', tier: 'cache', environment: 'dev', owner: 'x' }));
  assert.ok(!s.matches({ component: 'redis', tier: 'cache', owner: 'x', legacy: '1' }));
  assert.equal(s.toString(), 'component=redis,environment notin (dev),!legacy,owner,tier in (cache)');
  assert.ok(labelSelectorFromObject(undefined).empty);
  assert.ok(labelSelectorFromObject({}).matches({ any: 'thing' }));
});

test('labelSelectorFromObject rejects values that do not fit the operator', () => {
  badRequest(
    () => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In' }] }),
    "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
  );
  badRequest(
    () => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }),
    'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist',
  );
  badRequest(
    () => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Like', values: ['x'] }] }),
    '"Like" is not a valid label selector operator',
  );
  badRequest(() => labelSelectorFromObject({ matchLabels: { 'a b': 'c' } }), /^key: Invalid value: "a b": name part/);
});

test('labelSelectorFromSet matches a plain label map', () => {
  const s = labelSelectorFromSet({ b: '2', a: '1' });
  assert.equal(s.toString(), 'a=1,b=2');
  assert.ok(s.matches({ a: '1', b: '2', c: '3' }));
  assert.ok(!s.matches({ a: '1' }));
});

test('validateLabelSelector reports field errors with paths', () => {
  const errs = validateLabelSelector(
    {
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'a', operator: 'In' },
        { key: 'b', operator: 'Exists', values: ['x'] },
        { key: 'c', operator: 'Maybe' },
      ],
    },
    'spec.selector',
  );
  assert.deepEqual(
    errs.map((e) => [e.type, e.field]),
    [
      ['FieldValueRequired', 'spec.selector.matchExpressions[0].values'],
      ['FieldValueForbidden', 'spec.selector.matchExpressions[1].values'],
      ['FieldValueInvalid', 'spec.selector.matchExpressions[2].operator'],
    ],
  );
  assert.deepEqual(validateLabelSelector({ matchLabels: { app: 'web' } }, 'spec.selector'), []);
});
