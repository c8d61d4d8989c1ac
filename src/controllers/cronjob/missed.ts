// Which scheduled time a CronJob should act on now, and how many it missed, as Kubernetes'
// mostRecentScheduleTime computes them: from the later of the last schedule time (or
// creation) and now − startingDeadlineSeconds, up to now.
import type { Schedule } from './schedule.js';

export interface ScheduleWindow {
  /** The most recent activation not after `now`, if any fell since `earliest`. */
  mostRecent: number | undefined;
  /** Activations between `earliest` and `now` (only an estimate past a few hundred). */
  missed: number;
}

export function mostRecentScheduleTime(schedule: Schedule, earliest: number, now: number): ScheduleWindow {
  const t1 = schedule.next(earliest);
  if (t1 === undefined || now < t1) return { mostRecent: undefined, missed: 0 };
  const t2 = schedule.next(t1);
  if (t2 === undefined || now < t2) return { mostRecent: t1, missed: 1 };
  // Jump close to `now` by the interval between the first two activations, then walk.
  const interval = Math.max(1000, Math.round((t2 - t1) / 1000) * 1000);
  const missed = Math.floor((now - t1) / interval) + 1;
  let mostRecent = missed > 2 ? t1 + (missed - 2) * interval : t1;
  for (let t = schedule.next(mostRecent); t !== undefined && t <= now; t = schedule.next(t)) mostRecent = t;
  return { mostRecent, missed };
}
