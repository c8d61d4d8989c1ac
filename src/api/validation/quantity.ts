// resource.Quantity as Kubernetes parses and prints it: `100m`, `1.5Gi`, `1e3`. Values are kept
// exactly, as a whole number of nano-units (the finest precision Kubernetes keeps; anything
// finer is rounded up, as Kubernetes does), so `0.1` + `0.2` compares equal to `300m`.

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface ExactQuantity {
  /** The value times 10^9. */
  nanos: bigint;
  /** Which suffix family the text used; the canonical form keeps it. */
  format: QuantityFormat;
}

/** Kubernetes' own wording for text that is not a quantity. */
export const QUANTITY_SYNTAX_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const NANO = 1_000_000_000n;
const binarySuffixes = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'] as const;
const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const quantityRe = /^([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(.*)$/;

/** Exact value and format, or undefined when `s` is not a quantity. */
export function parseQuantityExact(s: string): ExactQuantity | undefined {
  const m = quantityRe.exec(s.trim() === s ? s : '');
  if (!m) return undefined;
  const [, sign = '', num = '', suffix = ''] = m;
  const dot = num.indexOf('.');
  const intPart = dot < 0 ? num : num.slice(0, dot);
  const fracPart = dot < 0 ? '' : num.slice(dot + 1);
  const digits = BigInt((intPart + fracPart) || '0');
  let exp10 = -fracPart.length;
  let mult = 1n;
  let format: QuantityFormat = 'DecimalSI';
  const bin = binarySuffixes.indexOf(suffix as (typeof binarySuffixes)[number]);
  if (suffix !== '' && bin > 0) {
    mult = 1024n ** BigInt(bin);
    format = 'BinarySI';
  } else if (suffix in decimalSuffixes) {
    exp10 += decimalSuffixes[suffix] ?? 0;
  } else if (/^[eE][+-]?[0-9]+$/.test(suffix)) {
    exp10 += Number(suffix.slice(1));
    format = 'DecimalExponent';
  } else {
    return undefined;
  }
  let nanos: bigint;
  const scale = exp10 + 9;
  if (scale >= 0) nanos = digits * mult * 10n ** BigInt(scale);
  else {
    const div = 10n ** BigInt(-scale);
    const n = digits * mult;
    nanos = n / div + (n % div === 0n ? 0n : 1n);
  }
  return { nanos: sign === '-' ? -nanos : nanos, format };
}

/** The numeric value (e.g. `"100m"` → 0.1, `"1Ki"` → 1024), or undefined when not a quantity. */
export function parseQuantity(s: string): number | undefined {
  const q = parseQuantityExact(s);
  if (!q) return undefined;
  const whole = q.nanos / NANO;
  const frac = q.nanos % NANO;
  return Number(whole) + Number(frac) / 1e9;
}

/** Canonical text, as Kubernetes serializes a quantity: `"1000m"` → `"1"`, `"0.5Gi"` → `"512Mi"`. */
export function formatQuantity(s: string): string | undefined {
  const q = parseQuantityExact(s);
  return q ? formatExactQuantity(q) : undefined;
}

export function formatExactQuantity(q: ExactQuantity): string {
  const neg = q.nanos < 0n;
  const abs = neg ? -q.nanos : q.nanos;
  const sign = neg ? '-' : '';
  if (abs === 0n) return '0';
  if (q.format === 'BinarySI' && abs >= 1024n * NANO && abs % NANO === 0n) {
    let bytes = abs / NANO;
    let k = 0;
    while (k < binarySuffixes.length - 1 && bytes % 1024n === 0n) {
      bytes /= 1024n;
      k++;
    }
    return `${sign}${bytes}${binarySuffixes[k]}`;
  }
  let mantissa = abs;
  let exp = -9;
  while (exp < 18 && mantissa % 1000n === 0n) {
    mantissa /= 1000n;
    exp += 3;
  }
  if (q.format === 'DecimalExponent') return `${sign}${mantissa}${exp === 0 ? '' : `e${exp}`}`;
  const suffix = Object.entries(decimalSuffixes).find(([, e]) => e === exp)?.[0] ?? '';
  return `${sign}${mantissa}${suffix}`;
}

/** -1, 0 or 1; undefined when either side is not a quantity. */
export function compareQuantities(a: string, b: string): number | undefined {
  const x = parseQuantityExact(a);
  const y = parseQuantityExact(b);
  if (!x || !y) return undefined;
  return x.nanos < y.nanos ? -1 : x.nanos > y.nanos ? 1 : 0;
}

/** The JSON form of a quantity is a string or a number; numbers are read as their decimal text. */
export function quantityText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}
