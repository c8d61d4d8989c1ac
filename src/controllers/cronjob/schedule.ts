// Cron schedules as the CronJob controller evaluates them (robfig/cron v3 ParseStandard
// semantics): five fields (minute hour day-of-month month day-of-week) with names, ranges,
// steps, `*` and `?`; the @-descriptors and `@every <duration>`; an optional `CRON_TZ=<zone>`
// or `TZ=<zone>` prefix. Day-of-month and day-of-week: when both are restricted, either may
// match; when one is `*`, only the other counts.
import { cronScheduleError } from '../../api/validation/cron.js';
import { checkZone, fromWall, toWall } from './timezone.js';

export interface Schedule {
  /** The first activation strictly after `after` (epoch ms), at whole seconds; undefined if none within 5 years. */
  next(after: number): number | undefined;
}

const DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const NAMES: readonly (Readonly<Record<string, number>> | undefined)[] = [
  undefined,
  undefined,
  undefined,
  { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
  { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 },
];
const BOUNDS: readonly [number, number][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 6],
];

/** Parses `spec`; `defaultZone` applies unless the spec names one. Throws Error with the parser's wording. */
export function parseSchedule(spec: string, defaultZone: string): Schedule {
  let text = spec.trim();
  let zone = defaultZone;
  const tz = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/.exec(text);
  if (tz) {
    zone = tz[1] ?? zone;
    text = (tz[2] ?? '').trim();
    try {
      checkZone(zone);
    } catch {
      throw new Error(`provided bad location ${zone}: unknown time zone ${zone}`);
    }
  }
  const err = cronScheduleError(text);
  if (err) throw new Error(err);
  if (text.startsWith('@every ')) return everySchedule(parseDuration(text.slice('@every '.length)));
  const fields = (DESCRIPTORS[text] ?? text).split(/\s+/);
  const sets = fields.map((f, i) => parseField(f, i));
  return fieldSchedule(sets, fields[2] === '*' || fields[2] === '?', fields[4] === '*' || fields[4] === '?', zone);
}

function parseField(field: string, i: number): Set<number> {
  const [min, max] = BOUNDS[i] ?? [0, 0];
  const out = new Set<number>();
  const value = (s: string): number => NAMES[i]?.[s.toLowerCase()] ?? Number(s);
  for (const part of field.split(',')) {
    const [range = '', stepText] = part.split('/');
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') [lo, hi] = [min, max];
    else {
      const [a = '', b] = range.split('-');
      lo = value(a);
      hi = b === undefined ? (stepText === undefined ? lo : max) : value(b);
    }
    const step = stepText === undefined ? 1 : Number(stepText);
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

const FIVE_YEARS_MS = 5 * 366 * 86_400_000;

function fieldSchedule(sets: Set<number>[], domStar: boolean, dowStar: boolean, zone: string): Schedule {
  const [minutes, hours, doms, months, dows] = sets as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  const dayMatches = (d: Date): boolean => {
    const dom = doms.has(d.getUTCDate());
    const dow = dows.has(d.getUTCDay());
    if (domStar || dowStar) return dom && dow;
    return dom || dow;
  };
  return {
    next(after) {
      // Walk the zone's wall clock from the next whole minute, skipping whole months, days
      // and hours that cannot match.
      let wall = Math.floor(toWall(after, zone) / 60_000) * 60_000 + 60_000;
      const limit = wall + FIVE_YEARS_MS;
      while (wall < limit) {
        const d = new Date(wall);
        if (!months.has(d.getUTCMonth() + 1)) {
          wall = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
          continue;
        }
        if (!dayMatches(d)) {
          wall = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
          continue;
        }
        if (!hours.has(d.getUTCHours())) {
          wall = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1);
          continue;
        }
        if (!minutes.has(d.getUTCMinutes())) {
          wall += 60_000;
          continue;
        }
        const instant = fromWall(wall, zone);
        if (instant > after && toWall(instant, zone) === wall) return instant;
        wall += 60_000;
      }
      return undefined;
    },
  };
}

function everySchedule(ms: number): Schedule {
  // robfig: at least one second, and activations fall on whole seconds.
  const step = Math.max(1000, Math.floor(ms / 1000) * 1000);
  return { next: (after) => Math.floor(after / 1000) * 1000 + step };
}

const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function parseDuration(text: string): number {
  let total = 0;
  for (const m of text.matchAll(/([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0);
  return total;
}
