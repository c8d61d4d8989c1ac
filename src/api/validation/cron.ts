// CronJob schedules in the standard five-field syntax plus the @-descriptors, checked the way
// the cron parser Kubernetes uses (robfig/cron v3, ParseStandard) checks them; the returned
// text is that parser's error wording.

const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTHS = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAYS = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const FIELDS: Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS },
  { min: 0, max: 6, names: DAYS },
];

/** undefined when valid, otherwise the parser's error text. */
export function cronScheduleError(schedule: string): string | undefined {
  const spec = schedule.trim();
  if (spec.length === 0) return 'empty spec string';
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) return undefined; // rejected separately by the caller
  if (spec.startsWith('@')) {
    if (DESCRIPTORS.has(spec)) return undefined;
    if (spec.startsWith('@every ')) return durationError(spec.slice('@every '.length));
    return `unrecognized descriptor: ${spec}`;
  }
  const fields = spec.split(/\s+/);
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`;
  for (const [i, f] of fields.entries()) {
    const bounds = FIELDS[i];
    if (!bounds) continue;
    for (const part of f.split(',')) {
      const err = rangeError(part, bounds);
      if (err) return err;
    }
  }
  return undefined;
}

function rangeError(expr: string, b: Bounds): string | undefined {
  const rangeAndStep = expr.split('/');
  if (rangeAndStep.length > 2) return `too many slashes: ${expr}`;
  const lowAndHigh = (rangeAndStep[0] ?? '').split('-');
  if (lowAndHigh.length > 2) return `too many hyphens: ${expr}`;
  let start: number;
  let end: number;
  const first = lowAndHigh[0] ?? '';
  if (first === '*' || first === '?') {
    start = b.min;
    end = b.max;
  } else {
    const s = parseIntOrName(first, b.names);
    if (typeof s === 'string') return s;
    start = s;
    end = s;
    if (lowAndHigh.length === 2) {
      const e = parseIntOrName(lowAndHigh[1] ?? '', b.names);
      if (typeof e === 'string') return e;
      end = e;
    }
  }
  if (rangeAndStep.length === 2) {
    const step = parseNumber(rangeAndStep[1] ?? '');
    if (typeof step === 'string') return step;
    if (step <= 0) return `step of range should be a positive number: ${expr}`;
    if (lowAndHigh.length === 1 && first !== '*' && first !== '?') end = b.max;
  }
  if (start < b.min) return `beginning of range (${start}) below minimum (${b.min}): ${expr}`;
  if (end > b.max) return `end of range (${end}) above maximum (${b.max}): ${expr}`;
  if (start > end) return `beginning of range (${start}) beyond end of range (${end}): ${expr}`;
  return undefined;
}

function parseIntOrName(s: string, names: Record<string, number> | undefined): number | string {
  const named = names?.[s.toLowerCase()];
  if (named !== undefined) return named;
  return parseNumber(s);
}

function parseNumber(s: string): number | string {
  if (!/^[+-]?[0-9]+$/.test(s)) return `failed to parse int from ${s}: strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`;
  const n = Number(s);
  if (n < 0) return `negative number (${n}) not allowed: ${s}`;
  return n;
}

/** Go duration syntax such as `1h30m` or `90s`. */
function durationError(d: string): string | undefined {
  if (/^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/.test(d) || d === '0') return undefined;
  return `failed to parse duration @every ${d}: time: invalid duration ${JSON.stringify(d)}`;
}

/** True for IANA zone names this runtime knows, as Go's time.LoadLocation would accept. */
export function isKnownTimeZone(tz: string): boolean {
  if (tz === '' || tz === 'Local') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
