// Leader election on a coordination.k8s.io/v1 Lease, with client-go's rules, so that of several
// controller managers (or schedulers) exactly one works at a time:
// - a candidate takes the Lease when it is absent, released (empty holder), or expired: not
//   changed for leaseDurationSeconds as measured on the candidate's own clock since it last saw
//   the record change (clocks of different machines are never compared);
// - the holder renews every retry period; if it cannot renew for renewDeadline it stops leading
//   (before the Lease can expire for others, as renewDeadline < leaseDuration);
// - every write is a compare-and-swap on resourceVersion, so two candidates never both win.
import type { Lease, LeaseSpec } from 'kubernetes-types/coordination/v1.js';
import { ApiError } from '../api/errors.js';
import { findResource } from '../api/resources.js';
import type { ApiClient } from '../client/client.js';
import type { ResourceClient } from '../client/resource-client.js';
import { realClock, sleep, type Clock } from '../informer/clock.js';
import type { Logger } from '../log.js';

export interface LeaderElectionOptions {
  client: ApiClient;
  /** Unique per candidate, e.g. `<hostname>_<random>` as Kubernetes does. */
  identity: string;
  /** e.g. "kube-controller-manager", "kube-scheduler". */
  leaseName: string;
  /** Default "kube-system". */
  namespace?: string;
  /** Default 15 s; written as whole seconds (at least 1). */
  leaseDurationMs?: number;
  /** Default 10 s; must be less than leaseDurationMs. */
  renewDeadlineMs?: number;
  /** Default 2 s. */
  retryPeriodMs?: number;
  /** Give the Lease up when stopped, so another candidate takes over at once (default true). */
  releaseOnStop?: boolean;
  clock?: Clock;
  /** Wall time in ms since the epoch, for acquireTime/renewTime (default Date.now). */
  wallClock?: () => number;
  random?: () => number;
  log: Logger;
}

export interface LeaderCallbacks {
  /**
   * Called on becoming the leader. `signal` aborts when leadership ends; the returned promise
   * (if any) should settle once the work has stopped, and the next term waits for it.
   */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  onStoppedLeading?(): void;
  /** Called when a different holder is first seen (including this candidate). */
  onNewLeader?(identity: string): void;
}

/** client-go's jitter factor for acquisition retries. */
const JITTER = 1.2;

/**
 * Campaigns, leads, and campaigns again after losing the Lease, until `signal` aborts; then
 * stops leading (releasing the Lease unless told not to) and resolves.
 */
export async function runLeaderElection(options: LeaderElectionOptions, callbacks: LeaderCallbacks, signal: AbortSignal): Promise<void> {
  const elector = new LeaderElector(options);
  while (!signal.aborted) {
    if (!(await elector.acquire(signal, callbacks))) return;
    const term = new AbortController();
    const endTerm = (): void => term.abort();
    signal.addEventListener('abort', endTerm, { once: true });
    const log = options.log;
    log.info(`became leader (lease ${elector.lease})`);
    const work = Promise.resolve()
      .then(() => callbacks.onStartedLeading(term.signal))
      .catch((err: unknown) => log.error(`leading failed: ${err instanceof Error ? err.message : String(err)}`));
    await elector.keepRenewing(term.signal, callbacks);
    if (!signal.aborted) log.warn(`lost the lease ${elector.lease}`);
    term.abort();
    signal.removeEventListener('abort', endTerm);
    await work;
    if (signal.aborted && (options.releaseOnStop ?? true)) await elector.release();
    callbacks.onStoppedLeading?.();
  }
}

class LeaderElector {
  readonly lease: string;
  private readonly leases: ResourceClient<Lease>;
  private readonly clock: Clock;
  private readonly wallClock: () => number;
  private readonly random: () => number;
  private readonly leaseSeconds: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  /** The record as last read or written, and when (clock.now()) it was last seen to change. */
  private observed: LeaseSpec | undefined;
  private observedAt = 0;
  private observedResourceVersion: string | undefined;
  private reportedLeader: string | undefined;

  constructor(private readonly o: LeaderElectionOptions) {
    const resource = findResource('coordination.k8s.io', 'v1', 'leases');
    if (!resource) throw new Error('the resource table has no coordination.k8s.io/v1 leases');
    const namespace = o.namespace ?? 'kube-system';
    this.lease = `${namespace}/${o.leaseName}`;
    this.leases = o.client.resource<Lease>(resource, namespace);
    this.clock = o.clock ?? realClock;
    this.wallClock = o.wallClock ?? Date.now;
    this.random = o.random ?? Math.random;
    const leaseMs = o.leaseDurationMs ?? 15_000;
    this.leaseSeconds = Math.max(1, Math.round(leaseMs / 1000));
    this.renewDeadlineMs = o.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = o.retryPeriodMs ?? 2_000;
    if (!(this.renewDeadlineMs < this.leaseSeconds * 1000 && this.retryPeriodMs > 0 && this.retryPeriodMs <= this.renewDeadlineMs)) {
      throw new Error('leader election: need 0 < retryPeriod <= renewDeadline < leaseDuration');
    }
  }

  /** Tries every retry period (jittered) until it holds the Lease; false if `signal` aborted first. */
  async acquire(signal: AbortSignal, callbacks: LeaderCallbacks): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew(callbacks)) return true;
      await sleep(this.clock, this.retryPeriodMs * (1 + JITTER * this.random()), signal);
    }
    return false;
  }

  /** Renews every retry period; returns when `signal` aborts or renewal failed for renewDeadline. */
  async keepRenewing(signal: AbortSignal, callbacks: LeaderCallbacks): Promise<void> {
    let renewedAt = this.clock.now();
    while (!signal.aborted) {
      await sleep(this.clock, this.retryPeriodMs, signal);
      if (signal.aborted) return;
      if (await this.tryAcquireOrRenew(callbacks)) renewedAt = this.clock.now();
      else if (this.clock.now() - renewedAt >= this.renewDeadlineMs || this.heldByOther()) return;
    }
  }

  /** Gives the Lease up if this candidate still holds it. */
  async release(): Promise<void> {
    if (this.observed?.holderIdentity !== this.o.identity || this.observedResourceVersion === undefined) return;
    const now = microTime(this.wallClock());
    try {
      await this.leases.update({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.o.leaseName, resourceVersion: this.observedResourceVersion },
        spec: { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: this.observed.leaseTransitions ?? 0 },
      });
      this.o.log.info(`released the lease ${this.lease}`);
    } catch (err) {
      this.o.log.warn(`releasing the lease ${this.lease}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private heldByOther(): boolean {
    const holder = this.observed?.holderIdentity;
    return holder !== undefined && holder !== '' && holder !== this.o.identity;
  }

  private async tryAcquireOrRenew(callbacks: LeaderCallbacks): Promise<boolean> {
    const now = microTime(this.wallClock());
    const me = this.o.identity;
    let current: Lease;
    try {
      current = await this.leases.get(this.o.leaseName);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) return this.failed('reading', err);
      const spec: LeaseSpec = { holderIdentity: me, leaseDurationSeconds: this.leaseSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 };
      try {
        const created = await this.leases.create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.o.leaseName }, spec });
        this.observe(created, callbacks);
        return true;
      } catch (createErr) {
        return this.failed('creating', createErr);
      }
    }
    this.observe(current, callbacks);
    const old = current.spec ?? {};
    const holder = old.holderIdentity ?? '';
    const validForMs = (old.leaseDurationSeconds ?? this.leaseSeconds) * 1000;
    if (holder !== '' && holder !== me && this.observedAt + validForMs > this.clock.now()) return false;
    const spec: LeaseSpec =
      holder === me
        ? { ...old, holderIdentity: me, leaseDurationSeconds: this.leaseSeconds, renewTime: now }
        : { ...old, holderIdentity: me, leaseDurationSeconds: this.leaseSeconds, acquireTime: now, renewTime: now, leaseTransitions: (old.leaseTransitions ?? 0) + 1 };
    try {
      const updated = await this.leases.update({ ...current, spec });
      this.observe(updated, callbacks);
      return true;
    } catch (err) {
      return this.failed('updating', err);
    }
  }

  private observe(lease: Lease, callbacks: LeaderCallbacks): void {
    const spec = lease.spec ?? {};
    if (JSON.stringify(spec) !== JSON.stringify(this.observed)) {
      this.observed = spec;
      this.observedAt = this.clock.now();
    }
    this.observedResourceVersion = lease.metadata?.resourceVersion;
    const holder = spec.holderIdentity ?? '';
    if (holder !== '' && holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      callbacks.onNewLeader?.(holder);
    }
  }

  private failed(what: string, err: unknown): false {
    // A conflict means another candidate wrote first: an expected outcome, not a problem.
    if (!(err instanceof ApiError && err.code === 409)) {
      this.o.log.warn(`${what} the lease ${this.lease}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return false;
  }
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
