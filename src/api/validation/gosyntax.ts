// Values printed the way Go's `%#v` prints them, because Kubernetes puts that text in
// `Invalid value: ...` messages for maps and structs (e.g. `map[string]string{"app":"y"}`).
// A GoLiteral carries the Go text (toString) and the raw JSON value (toJSON).

export class GoLiteral {
  constructor(
    readonly text: string,
    readonly raw: unknown,
  ) {}

  toString(): string {
    return this.text;
  }

  toJSON(): unknown {
    return this.raw;
  }
}

function quote(s: string): string {
  return JSON.stringify(s);
}

/** `map[string]string{"a":"1", "b":"2"}` with keys sorted, or `map[string]string(nil)`. */
export function goStringMapText(m: Readonly<Record<string, string>> | undefined | null): string {
  if (!m) return 'map[string]string(nil)';
  const entries = Object.keys(m)
    .sort()
    .map((k) => `${quote(k)}:${quote(m[k] ?? '')}`);
  return `map[string]string{${entries.join(', ')}}`;
}

export function goStringMap(m: Readonly<Record<string, string>> | undefined | null): GoLiteral {
  return new GoLiteral(goStringMapText(m), m ?? null);
}

export function goStringSliceText(xs: readonly string[] | undefined | null): string {
  if (!xs) return '[]string(nil)';
  return `[]string{${xs.map(quote).join(', ')}}`;
}

export interface LabelSelectorLike {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** `v1.LabelSelector{MatchLabels:map[string]string{...}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}`. */
export function goLabelSelector(sel: LabelSelectorLike | undefined | null): GoLiteral {
  if (!sel) return new GoLiteral('null', null);
  const exprs = sel.matchExpressions
    ? `[]v1.LabelSelectorRequirement{${sel.matchExpressions
        .map(
          (r) =>
            `v1.LabelSelectorRequirement{Key:${quote(r.key)}, Operator:${quote(r.operator)}, Values:${goStringSliceText(r.values)}}`,
        )
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return new GoLiteral(`v1.LabelSelector{MatchLabels:${goStringMapText(sel.matchLabels)}, MatchExpressions:${exprs}}`, sel);
}
