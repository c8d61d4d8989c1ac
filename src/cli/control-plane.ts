// The components `k8ts server` runs next to the API server, each talking to it only through
// the API (in-process transport: same authentication, admission and storage path as HTTP,
// without a socket). With a shared datastore (etcd) they run under leader election, so
// several servers run each loop once.
import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { UserInfo } from '../apiserver/authn/user.js';
import type { RunningApiServer } from '../apiserver/server.js';
import { createClient, type ApiClient } from '../client/client.js';
import { InProcessTransport } from '../client/in-process.js';
import { defaultControllers } from '../controllers/index.js';
import { startControllerManager } from '../controllers/manager.js';
import { createEventRecorder } from '../events/broadcaster.js';
import { realClock } from '../informer/clock.js';
import { startScheduler } from '../scheduler/run.js';
import type { Logger } from '../log.js';

export const COMPONENTS = ['controllers', 'scheduler'] as const;
export type Component = (typeof COMPONENTS)[number];

export interface ControlPlaneOptions {
  disabled: ReadonlySet<string>;
  /** True when other servers may share the datastore (etcd): run loops under leader election. */
  shared: boolean;
  nodeMonitorGracePeriodMs: number;
  clusterCidr: string;
  log: Logger;
}

/** A token for the in-process components, valid for this process only. */
export function internalIdentity(): { token: string; user: UserInfo } {
  return {
    token: randomBytes(24).toString('hex'),
    user: { username: 'system:k8ts:control-plane', groups: ['system:masters'] },
  };
}

export interface RunningControlPlane {
  client: ApiClient;
  stop(): Promise<void>;
}

export async function startControlPlane(server: RunningApiServer, token: string, o: ControlPlaneOptions): Promise<RunningControlPlane> {
  const client = createClient(new InProcessTransport({ handler: server.handle, token }));
  const identity = `${hostname()}_${randomUUID()}`;
  const stops: (() => Promise<void>)[] = [];
  if (!o.disabled.has('controllers')) {
    const manager = await startControllerManager({
      client,
      factories: defaultControllers({ nodeIpam: { clusterCidr: o.clusterCidr } }),
      options: { nodeMonitorGracePeriodMs: o.nodeMonitorGracePeriodMs },
      log: o.log.child('controller-manager'),
      ...(o.shared ? { leaderElection: { identity } } : {}),
    });
    stops.push(() => manager.stop());
    o.log.info(`controller manager started${o.shared ? ' (leader election on Lease kube-system/kube-controller-manager)' : ''}`);
  }
  if (!o.disabled.has('scheduler')) {
    const recorder = createEventRecorder({ client, component: 'default-scheduler', clock: realClock, log: o.log.child('scheduler/events') });
    const stopScheduler = new AbortController();
    const scheduler = await startScheduler({
      client,
      recorder,
      log: o.log.child('scheduler'),
      signal: stopScheduler.signal,
      ...(o.shared ? { leaderElection: { identity } } : {}),
    });
    stops.push(async () => {
      await scheduler.stop();
      await recorder.flush();
      recorder.close();
    });
    o.log.info(`scheduler started${o.shared ? ' (leader election on Lease kube-system/kube-scheduler)' : ''}`);
  }
  return {
    client,
    async stop() {
      for (const stop of stops.reverse()) await stop().catch((err: unknown) => o.log.warn(`stop: ${String(err)}`));
      client.close();
    },
  };
}
