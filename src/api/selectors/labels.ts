// Label selectors: the string form (`a=b,c!=d,e in (x,y),!f,g`) and metav1.LabelSelector
// (matchLabels + matchExpressions), compiled once into a matcher. Grammar, matching and error
// wording follow k8s.io/apimachinery/pkg/labels (Parse, NewRequirement, Requirement.String).
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { ApiError, type FieldError } from '../errors.js';
import { isQualifiedName, isValidLabelValue } from '../validation/names.js';

export interface LabelMatcher {
  /** True when the labels satisfy every requirement; an empty selector matches everything. */
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  /** True for the selector that matches everything. */
  readonly empty: boolean;
  /** Canonical string form, as `kubectl get -l` and Scale.status.selector show it. */
  toString(): string;
}

/** The operators of the string form; `exists`/`!` are the bare `key` and `!key`. */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** In the order given; printed sorted. Empty for exists / `!`. */
  readonly values: readonly string[];
}

/** Parses the query-string form; throws ApiError BadRequest naming the problem. */
export function parseLabelSelector(text: string): LabelMatcher {
  try {
    return new Selector(new Parser(text).parse());
  } catch (e) {
    if (e instanceof SelectorSyntaxError) throw ApiError.badRequest(e.message);
    throw e;
  }
}

/**
 * Compiles a metav1.LabelSelector. `undefined` or `{}` matches everything (as a Service's
 * nil selector does NOT: callers that need "nothing" handle undefined themselves).
 * Throws ApiError BadRequest for an invalid key, value or operator, or values that do not fit
 * the operator (In/NotIn need some, Exists/DoesNotExist take none).
 */
export function labelSelectorFromObject(selector: LabelSelector | undefined): LabelMatcher {
  if (!selector) return EVERYTHING;
  const reqs: LabelRequirement[] = [];
  try {
    for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
      reqs.push(newRequirement(key, '=', [value]));
    }
    for (const expr of selector.matchExpressions ?? []) {
      const op = EXPRESSION_OPERATORS[expr.operator];
      if (!op) throw new SelectorSyntaxError(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
      reqs.push(newRequirement(expr.key, op, expr.values ?? []));
    }
  } catch (e) {
    if (e instanceof SelectorSyntaxError) throw ApiError.badRequest(e.message);
    throw e;
  }
  return new Selector(reqs);
}

/** The selector `k1=v1,k2=v2` for a plain label map (a Service's or RC's selector). Not validated. */
export function labelSelectorFromSet(set: Readonly<Record<string, string>>): LabelMatcher {
  return new Selector(Object.entries(set).map(([key, value]) => ({ key, operator: '=' as const, values: [value] })));
}

/**
 * Field errors of a metav1.LabelSelector found in an object being validated, worded as
 * Kubernetes' ValidateLabelSelector words them. `path` is where the selector sits, e.g.
 * `spec.selector`.
 */
export function validateLabelSelector(selector: LabelSelector | undefined, path: string): FieldError[] {
  if (!selector) return [];
  const errs: FieldError[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    for (const detail of isQualifiedName(key)) errs.push({ type: 'FieldValueInvalid', field: `${path}.matchLabels`, value: key, detail });
    for (const detail of isValidLabelValue(value)) errs.push({ type: 'FieldValueInvalid', field: `${path}.matchLabels`, value, detail });
  }
  (selector.matchExpressions ?? []).forEach((expr, i) => {
    const at = `${path}.matchExpressions[${i}]`;
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          errs.push({ type: 'FieldValueRequired', field: `${at}.values`, detail: "must be specified when `operator` is 'In' or 'NotIn'" });
        }
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) {
          errs.push({
            type: 'FieldValueForbidden',
            field: `${at}.values`,
            detail: "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
          });
        }
        break;
      default:
        errs.push({ type: 'FieldValueInvalid', field: `${at}.operator`, value: expr.operator, detail: 'not a valid selector operator' });
    }
    for (const detail of isQualifiedName(expr.key)) errs.push({ type: 'FieldValueInvalid', field: `${at}.key`, value: expr.key, detail });
  });
  return errs;
}

const EXPRESSION_OPERATORS: Readonly<Record<string, LabelOperator>> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

class SelectorSyntaxError extends Error {}

class Selector implements LabelMatcher {
  readonly requirements: readonly LabelRequirement[];
  private readonly text: string;

  constructor(requirements: readonly LabelRequirement[]) {
    // Kubernetes sorts requirements by key (only) for a deterministic string form.
    this.requirements = [...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.text = this.requirements.map(requirementString).join(',');
  }

  get empty(): boolean {
    return this.requirements.length === 0;
  }

  matches(labels: Readonly<Record<string, string>> | undefined): boolean {
    for (const r of this.requirements) if (!requirementMatches(r, labels ?? {})) return false;
    return true;
  }

  toString(): string {
    return this.text;
  }
}

const EVERYTHING: LabelMatcher = new Selector([]);

function requirementMatches(r: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return value !== undefined && r.values.includes(value);
    case 'notin':
    case '!=':
      return value === undefined || !r.values.includes(value);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (value === undefined || !isInt64(value)) return false;
      const bound = r.values[0];
      if (bound === undefined || !isInt64(bound)) return false;
      const have = BigInt(value);
      return r.operator === 'gt' ? have > BigInt(bound) : have < BigInt(bound);
    }
  }
}

function isInt64(s: string): boolean {
  if (!/^[+-]?\d+$/.test(s)) return false;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n;
}

function requirementString(r: LabelRequirement): string {
  const values = r.values.length === 1 ? r.values[0] : [...r.values].sort().join(',');
  switch (r.operator) {
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
    case 'in':
      return `${r.key} in (${values})`;
    case 'notin':
      return `${r.key} notin (${values})`;
    case 'gt':
      return `${r.key}>${values}`;
    case 'lt':
      return `${r.key}<${values}`;
    default:
      return `${r.key}${r.operator}${values}`;
  }
}

/** Go's %#v of a []string, as Kubernetes prints it in requirement errors. */
function goStrings(values: readonly string[]): string {
  if (values.length === 0) return '[]string(nil)';
  return `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
}

/** NewRequirement: validates key, values and their count for the operator. */
function newRequirement(key: string, operator: LabelOperator, values: readonly string[]): LabelRequirement {
  const errs: string[] = [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length > 0) errs.push(`key: Invalid value: ${JSON.stringify(key)}: ${keyErrs.join('; ')}`);
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) {
        errs.push(`values: Invalid value: ${goStrings(values)}: for 'in', 'notin' operators, values set can't be empty`);
      }
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) {
        errs.push(`values: Invalid value: ${goStrings(values)}: exact-match compatibility requires one single value`);
      }
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) {
        errs.push(`values: Invalid value: ${goStrings(values)}: values set must be empty for exists and does not exist`);
      }
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) {
        errs.push(`values: Invalid value: ${goStrings(values)}: for 'Gt', 'Lt' operators, exactly one value is required`);
      }
      values.forEach((v, i) => {
        if (!isInt64(v)) {
          errs.push(`values[${i}]: Invalid value: ${JSON.stringify(v)}: for 'Gt', 'Lt' operators, the value must be an integer`);
        }
      });
      break;
  }
  values.forEach((v, i) => {
    const valueErrs = isValidLabelValue(v);
    if (valueErrs.length > 0) errs.push(`values[${i}][${key}]: Invalid value: ${JSON.stringify(v)}: ${valueErrs.join('; ')}`);
  });
  if (errs.length === 1) throw new SelectorSyntaxError(errs[0]);
  if (errs.length > 1) throw new SelectorSyntaxError(`[${errs.join(', ')}]`);
  return { key, operator, values };
}

// ---- the string grammar: a lexer and a recursive-descent parser ----

type TokenKind =
  | 'end'
  | 'identifier'
  | 'in'
  | 'notin'
  | '('
  | ')'
  | ','
  | '!'
  | '='
  | '=='
  | '!='
  | '>'
  | '<'
  | 'error';

interface Token {
  kind: TokenKind;
  text: string;
}

const SYMBOL_TOKENS: Readonly<Record<string, TokenKind>> = {
  '(': '(',
  ')': ')',
  ',': ',',
  '!': '!',
  '=': '=',
  '==': '==',
  '!=': '!=',
  '>': '>',
  '<': '<',
};

const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);
const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  // A NUL character ends the input, as in Kubernetes' byte-oriented lexer.
  const at = (j: number): string => (j < text.length && text[j] !== '\0' ? (text[j] ?? '') : '');
  for (;;) {
    while (WHITESPACE.has(at(i))) i++;
    const ch = at(i);
    if (ch === '') {
      tokens.push({ kind: 'end', text: '' });
      return tokens;
    }
    if (SPECIAL.has(ch)) {
      // Longest run of symbol characters that still forms a token ("!=" but "=" then "!").
      let buffer = '';
      let last: Token | undefined;
      let j = i;
      while (SPECIAL.has(at(j))) {
        buffer += at(j);
        const kind = SYMBOL_TOKENS[buffer];
        if (kind) {
          last = { kind, text: buffer };
          j++;
        } else if (last) {
          break;
        } else {
          j++;
        }
      }
      if (!last) {
        tokens.push({ kind: 'error', text: `error expected: keyword found '${buffer}'` });
        i = j;
      } else {
        tokens.push(last);
        i += last.text.length;
      }
      continue;
    }
    let word = '';
    while (at(i) !== '' && !SPECIAL.has(at(i)) && !WHITESPACE.has(at(i))) word += at(i++);
    tokens.push({ kind: word === 'in' ? 'in' : word === 'notin' ? 'notin' : 'identifier', text: word });
  }
}

const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt';

class Parser {
  private readonly tokens: Token[];
  private position = 0;

  constructor(text: string) {
    this.tokens = lex(text);
  }

  /** In value position the keywords `in`/`notin` are plain identifiers. */
  private peek(context: 'values' | 'operator'): Token {
    const t = this.tokens[Math.min(this.position, this.tokens.length - 1)] ?? { kind: 'end', text: '' };
    if (context === 'values' && (t.kind === 'in' || t.kind === 'notin')) return { kind: 'identifier', text: t.text };
    return t;
  }

  private next(context: 'values' | 'operator'): Token {
    const t = this.peek(context);
    if (this.position < this.tokens.length) this.position++;
    return t;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const t = this.peek('values');
      if (t.kind === 'end') return reqs;
      if (t.kind !== 'identifier' && t.kind !== '!') {
        throw new SelectorSyntaxError(`found '${t.text}', expected: !, identifier, or 'end of string'`);
      }
      try {
        reqs.push(this.requirement());
      } catch (e) {
        if (e instanceof SelectorSyntaxError) throw new SelectorSyntaxError(`unable to parse requirement: ${e.message}`);
        throw e;
      }
      const after = this.next('values');
      if (after.kind === 'end') return reqs;
      if (after.kind !== ',') throw new SelectorSyntaxError(`found '${after.text}', expected: ',' or 'end of string'`);
      const following = this.peek('values');
      if (following.kind !== 'identifier' && following.kind !== '!') {
        throw new SelectorSyntaxError(`found '${following.text}', expected: identifier after ','`);
      }
    }
  }

  private requirement(): LabelRequirement {
    let unary: LabelOperator | undefined;
    let t = this.next('values');
    if (t.kind === '!') {
      unary = '!';
      t = this.next('values');
    }
    if (t.kind !== 'identifier') throw new SelectorSyntaxError(`found '${t.text}', expected: identifier`);
    const key = t.text;
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length > 0) {
      throw new SelectorSyntaxError(`<nil>: Invalid value: ${JSON.stringify(key)}: ${keyErrs.join('; ')}`);
    }
    const la = this.peek('values').kind;
    if (unary === undefined && (la === 'end' || la === ',')) unary = 'exists';
    if (unary) return newRequirement(key, unary, []);

    const op = this.operator();
    const values = op === 'in' || op === 'notin' ? this.valueSet() : this.exactValue();
    return newRequirement(key, op, values);
  }

  private operator(): LabelOperator {
    const t = this.next('operator');
    switch (t.kind) {
      case 'in':
      case 'notin':
      case '=':
      case '==':
      case '!=':
        return t.kind;
      case '>':
        return 'gt';
      case '<':
        return 'lt';
      default:
        throw new SelectorSyntaxError(`found '${t.text}', expected: ${BINARY_OPERATORS}`);
    }
  }

  /** `( v1, v2 )`; empty items are the empty value; duplicates collapse; sorted as a set. */
  private valueSet(): string[] {
    const open = this.next('values');
    if (open.kind !== '(') throw new SelectorSyntaxError(`found '${open.text}' expected: '('`);
    const first = this.peek('values');
    if (first.kind === ')') {
      this.next('values');
      return [''];
    }
    if (first.kind !== 'identifier' && first.kind !== ',') {
      throw new SelectorSyntaxError(`found '${first.text}', expected: ',', ')' or identifier`);
    }
    const set = new Set<string>();
    for (;;) {
      const t = this.next('values');
      if (t.kind === 'identifier') {
        set.add(t.text);
        const la = this.peek('values');
        if (la.kind === ',') continue;
        if (la.kind === ')') break;
        throw new SelectorSyntaxError(`found '${la.text}', expected: ',' or ')'`);
      } else if (t.kind === ',') {
        if (set.size === 0) set.add('');
        const la = this.peek('values');
        if (la.kind === ')') {
          set.add('');
          break;
        }
        if (la.kind === ',') {
          this.next('values');
          set.add('');
        }
      } else {
        throw new SelectorSyntaxError(`found '${t.text}', expected: ',', or identifier`);
      }
    }
    const close = this.next('values');
    if (close.kind !== ')') throw new SelectorSyntaxError(`found '${close.text}', expected: ')'`);
    return [...set].sort();
  }

  private exactValue(): string[] {
    const la = this.peek('values');
    if (la.kind === 'end' || la.kind === ',') return [''];
    const t = this.next('values');
    if (t.kind === 'identifier') return [t.text];
    throw new SelectorSyntaxError(`found '${t.text}', expected: identifier`);
  }
}

/** The parsed requirements, sorted by key, for callers that build their own matchers. */
export function parseLabelRequirements(text: string): readonly LabelRequirement[] {
  return (parseLabelSelector(text) as Selector).requirements;
}

/**
 * Whether `labels` satisfy a metav1.LabelSelector (undefined or empty: everything). A selector
 * that is not valid matches nothing, as Kubernetes treats one it cannot convert.
 */
export function selectorMatches(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  try {
    return labelSelectorFromObject(selector).matches(labels);
  } catch {
    return false;
  }
}
