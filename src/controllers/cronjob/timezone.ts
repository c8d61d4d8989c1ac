// Wall-clock times in an IANA zone, via Intl. Cron schedules are evaluated on the wall clock
// of a zone; instants are epoch milliseconds. A "wall" value is the wall-clock reading encoded
// as if it were UTC (so Date's UTC getters read its fields).

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Throws RangeError for a zone this runtime does not know. */
export function checkZone(zone: string): void {
  formatter(zone);
}

/** The process's own zone (Go's time.Local). */
export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** The wall-clock reading of `instant` in `zone`. */
export function toWall(instant: number, zone: string): number {
  if (zone === 'UTC') return instant;
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(instant))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts['year'] ?? 1970, (parts['month'] ?? 1) - 1, parts['day'] ?? 1, parts['hour'] ?? 0, parts['minute'] ?? 0, parts['second'] ?? 0);
  return wall + (instant % 1000 + 1000) % 1000;
}

/**
 * The instant a wall-clock reading names in `zone`. A reading skipped by a forward DST jump
 * maps past the jump; an ambiguous one (backward jump) maps to its first occurrence.
 */
export function fromWall(wall: number, zone: string): number {
  if (zone === 'UTC') return wall;
  const first = wall - (toWall(wall, zone) - wall);
  const second = wall - (toWall(first, zone) - first);
  const earlier = Math.min(first, second);
  return toWall(earlier, zone) === wall ? earlier : Math.max(first, second);
}

/** RFC 3339 in `zone` with its offset ("Z" for UTC), as Go's time.RFC3339 formats. */
export function formatInZone(instant: number, zone: string): string {
  const wall = toWall(instant, zone);
  const base = new Date(Math.floor(wall / 1000) * 1000).toISOString().slice(0, 19);
  const offsetMin = Math.round((wall - instant) / 60_000);
  if (offsetMin === 0) return `${base}Z`;
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${base}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
