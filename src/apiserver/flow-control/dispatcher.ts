// API priority and fairness for a single-threaded server. Kubernetes limits how many requests
// of each priority level execute at once and queues the rest; here the one event loop is the
// limit, so what is rationed is the order in which waiting requests start:
// - a request of a limited level is queued, and one waiting request starts per event-loop
//   turn, so that the loop polls its sockets between requests — one that arrives behind a
//   flood (a kubelet's status write behind a client's burst of creates) is seen and served
//   within a few turns, and new connections keep being accepted (libuv accepts one per turn);
// - among levels with waiting requests, each dispatch goes to the level furthest behind its
//   share (stride scheduling on Kubernetes' nominalConcurrencyShares), so no level starves;
// - within a level, flows (users) take turns, and a flow's requests start in arrival order;
// - `exempt` requests (system:masters, health probes) start at once, as in Kubernetes.
// Deviation: there is no queue-length limit or queue-wait timeout (Kubernetes answers 429);
// a request waits until its turn.
import { Fifo } from '../../api/fifo.js';
import { LEVEL_SHARES, type Classification, type PriorityLevelName } from './levels.js';

type Start = () => void;

interface Level {
  readonly name: PriorityLevelName;
  readonly stride: number;
  /** Virtual time: grows by `stride` per dispatch; the lowest waiting level goes next. */
  pass: number;
  queued: number;
  /** Requests started after waiting. */
  dispatched: number;
  readonly flows: Map<string, Fifo<Start>>;
  /** Flows with waiting requests, in the order they take turns. */
  readonly rotation: Fifo<string>;
}

export interface DispatcherStats {
  /** Requests waiting, per level. */
  queued: Record<string, number>;
  /** Requests started after waiting, per level. */
  dispatched: Record<string, number>;
}

export class Dispatcher {
  private readonly levels = new Map<PriorityLevelName, Level>();
  private waiting = 0;
  private scheduled = false;
  /** The pass of the last dispatch: a level that starts waiting joins at it, not with credit saved while idle. */
  private now = 0;

  constructor(
    /** Gets what a request's start throws; the other requests go on. */
    private readonly onError: (err: unknown) => void,
  ) {
    for (const [name, shares] of Object.entries(LEVEL_SHARES) as [Exclude<PriorityLevelName, 'exempt'>, number][]) {
      this.levels.set(name, { name, stride: 1 / shares, pass: 0, queued: 0, dispatched: 0, flows: new Map(), rotation: new Fifo() });
    }
  }

  /** Starts `start` now (exempt) or when its level's turn comes. */
  submit(c: Classification, start: Start): void {
    const level = this.levels.get(c.level);
    if (!level) {
      start();
      return;
    }
    if (level.queued === 0) level.pass = Math.max(level.pass, this.now);
    let flow = level.flows.get(c.flow);
    if (!flow) {
      flow = new Fifo();
      level.flows.set(c.flow, flow);
      level.rotation.push(c.flow);
    }
    flow.push(start);
    level.queued++;
    this.waiting++;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.turn);
    }
  }

  stats(): DispatcherStats {
    const queued: Record<string, number> = {};
    const dispatched: Record<string, number> = {};
    for (const l of this.levels.values()) {
      queued[l.name] = l.queued;
      dispatched[l.name] = l.dispatched;
    }
    return { queued, dispatched };
  }

  /** Starts one waiting request. Node's event loop polls its sockets (and accepts one new connection) between turns. */
  private readonly turn = (): void => {
    this.scheduled = false;
    const start = this.next();
    if (this.waiting > 0) {
      this.scheduled = true;
      setImmediate(this.turn);
    }
    try {
      start();
    } catch (err) {
      this.onError(err);
    }
  };

  /** Takes the next request: the waiting level with the lowest pass, then its next flow in rotation. */
  private next(): Start {
    let best: Level | undefined;
    for (const l of this.levels.values()) if (l.queued > 0 && (!best || l.pass < best.pass)) best = l;
    if (!best) throw new Error('flow control: no request waiting');
    this.now = best.pass;
    best.pass += best.stride;
    const key = best.rotation.shift() ?? '';
    const flow = best.flows.get(key);
    const start = flow?.shift();
    if (!flow || !start) throw new Error(`flow control: flow ${key} of ${best.name} has nothing waiting`);
    if (flow.size > 0) best.rotation.push(key);
    else best.flows.delete(key);
    best.queued--;
    best.dispatched++;
    this.waiting--;
    return start;
  }
}
