// The serviceaccount controller (`serviceaccount`, Kubernetes' serviceaccounts-controller):
// every active namespace has a ServiceAccount named `default`, created when the namespace
// appears and again whenever it is deleted. Terminating namespaces are left alone.
import type { Namespace, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import { findResource } from '../../api/resources.js';
import { runWorkers } from '../../informer/workers.js';
import { WorkQueue } from '../../informer/workqueue.js';
import type { ControllerFactory } from '../controller.js';

/** The accounts every namespace gets. */
export const MANAGED_SERVICE_ACCOUNTS: readonly string[] = ['default'];

export const serviceAccountController: ControllerFactory = (ctx) => ({
  name: 'serviceaccount',
  async run(signal) {
    const nsResource = findResource('', 'v1', 'namespaces');
    const saResource = findResource('', 'v1', 'serviceaccounts');
    if (!nsResource || !saResource) throw new Error('the resource table has no namespaces or serviceaccounts');
    const namespaces = ctx.informers.informerFor<Namespace>(nsResource);
    const accounts = ctx.informers.informerFor<ServiceAccount>(saResource);
    const queue = new WorkQueue({ clock: ctx.clock });
    const enqueueNamespace = (ns: Namespace): void => {
      if (ns.metadata?.name) queue.add(ns.metadata.name);
    };
    namespaces.addEventHandler({ onAdd: enqueueNamespace, onUpdate: (_old, ns) => enqueueNamespace(ns) });
    accounts.addEventHandler({
      onDelete: (sa) => {
        if (sa.metadata?.namespace && MANAGED_SERVICE_ACCOUNTS.includes(sa.metadata.name ?? '')) queue.add(sa.metadata.namespace);
      },
    });
    const synced = await Promise.all([namespaces.waitForSync(signal), accounts.waitForSync(signal)]);
    if (!synced.every(Boolean)) return;

    const reconcile = async (name: string): Promise<void> => {
      const ns = namespaces.cache.get(name);
      if (!ns || ns.metadata?.deletionTimestamp || (ns.status?.phase !== undefined && ns.status.phase !== 'Active')) return;
      for (const account of MANAGED_SERVICE_ACCOUNTS) {
        if (accounts.cache.get(`${name}/${account}`)) continue;
        try {
          await ctx.client.resource<ServiceAccount>(saResource, name).create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: account } });
          ctx.log.debug(`created ServiceAccount ${name}/${account}`);
        } catch (err) {
          // Already there (the cache lagged), or the namespace began terminating meanwhile.
          if (err instanceof ApiError && (err.reason === 'AlreadyExists' || err.code === 403 || err.code === 404)) continue;
          throw err;
        }
      }
    };
    await runWorkers(queue, reconcile, { workers: ctx.options.workers, signal, log: ctx.log });
  },
});
