// LoadBalancer services on a machine without a cloud, the way k3s's servicelb does it: the
// node itself is the load balancer. Every Service of type LoadBalancer without a
// spec.loadBalancerClass gets status.loadBalancer.ingress = [{ ip: <node address> }], and the
// proxy forwards <node address>:<port> like a node port. Run it on one node only (two nodes
// would overwrite each other's address).
import type { LoadBalancerIngress, Service } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../client/client.js';
import type { Informer } from '../informer/informer.js';
import { objectKey, splitKey } from '../informer/cache.js';
import { runWorkers } from '../informer/workers.js';
import { WorkQueue } from '../informer/workqueue.js';
import type { Logger } from '../log.js';

/** The ingress list the service should carry, or undefined when its status is not ours to set. */
export function desiredIngress(svc: Service, address: string): LoadBalancerIngress[] | undefined {
  const current = svc.status?.loadBalancer?.ingress ?? [];
  if (svc.spec?.type === 'LoadBalancer') return svc.spec.loadBalancerClass ? undefined : [{ ip: address }];
  // No longer a LoadBalancer: withdraw the address only if it is the one we wrote.
  return current.length === 1 && current[0]?.ip === address ? [] : undefined;
}

function sameIngress(a: readonly LoadBalancerIngress[], b: readonly LoadBalancerIngress[]): boolean {
  return a.length === b.length && a.every((x, i) => x.ip === b[i]?.ip && x.hostname === b[i]?.hostname);
}

export function runLoadBalancerStatus(o: { client: ApiClient; services: Informer<Service>; address: string; log: Logger; signal: AbortSignal }): Promise<void> {
  const queue = new WorkQueue({ rateLimit: { baseDelayMs: 100, maxDelayMs: 30_000 } });
  const enqueue = (svc: Service): void => queue.add(objectKey(svc));
  const remove = o.services.addEventHandler({ onAdd: enqueue, onUpdate: (_, svc) => enqueue(svc) });
  o.signal.addEventListener('abort', remove, { once: true });
  return runWorkers(
    queue,
    async (key) => {
      const svc = o.services.cache.get(key);
      if (!svc) return;
      const want = desiredIngress(svc, o.address);
      if (!want || sameIngress(want, svc.status?.loadBalancer?.ingress ?? [])) return;
      const { namespace, name } = splitKey(key);
      await o.client
        .resource<Service>({ group: '', version: 'v1', resource: 'services' }, namespace)
        .patch(name, 'merge', { status: { loadBalancer: { ingress: want.length ? want : null } } }, { subresource: 'status' });
      o.log.info(`service ${key}: load balancer ingress ${want.length ? o.address : 'cleared'}`);
    },
    { workers: 1, signal: o.signal, log: o.log },
  );
}
