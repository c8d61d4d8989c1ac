// The node heartbeat: a Lease named after the node in kube-node-lease, renewed every
// heartbeat interval. The node lifecycle controller reads renewTime to decide readiness, so a
// renewal failure is retried quickly (Kubernetes: 200 ms doubling, up to 7 s).
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { ApiError } from '../api/errors.js';
import type { ApiClient } from '../client/client.js';
import { sleep, type Clock } from '../informer/clock.js';
import type { Logger } from '../log.js';

export const LEASE_NAMESPACE = 'kube-node-lease';
const LEASES = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' } as const;

/** MicroTime: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export interface LeaseOptions {
  client: ApiClient;
  nodeName: string;
  nodeUid: () => string;
  leaseDurationSeconds: number;
  heartbeatIntervalMs: number;
  clock: Clock;
  log: Logger;
}

export class NodeLease {
  private current: Lease | undefined;

  constructor(private readonly o: LeaseOptions) {}

  private desired(base: Lease | undefined): Lease {
    const uid = this.o.nodeUid();
    return {
      ...base,
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        ...base?.metadata,
        name: this.o.nodeName,
        namespace: LEASE_NAMESPACE,
        ownerReferences: uid ? [{ apiVersion: 'v1', kind: 'Node', name: this.o.nodeName, uid }] : base?.metadata?.ownerReferences,
      },
      spec: {
        ...base?.spec,
        holderIdentity: this.o.nodeName,
        leaseDurationSeconds: this.o.leaseDurationSeconds,
        renewTime: microTime(this.o.clock.now()),
      },
    };
  }

  /** Creates or renews the lease once. */
  async renew(): Promise<void> {
    const leases = this.o.client.resource<Lease>(LEASES, LEASE_NAMESPACE);
    if (!this.current) {
      try {
        this.current = await leases.get(this.o.nodeName);
      } catch (err) {
        if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
        this.current = await leases.create(this.desired(undefined));
        return;
      }
    }
    try {
      this.current = await leases.update(this.desired(this.current));
    } catch (err) {
      // Someone else wrote it, or it was deleted: start from a fresh read next time.
      this.current = undefined;
      throw err;
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    let retryMs = 200;
    while (!signal.aborted) {
      try {
        await this.renew();
        retryMs = 200;
        await sleep(this.o.clock, this.o.heartbeatIntervalMs, signal);
      } catch (err) {
        if (signal.aborted) return;
        this.o.log.warn(`failed to renew lease ${LEASE_NAMESPACE}/${this.o.nodeName}: ${String(err)}`);
        await sleep(this.o.clock, retryMs, signal);
        retryMs = Math.min(retryMs * 2, 7000);
      }
    }
  }
}
