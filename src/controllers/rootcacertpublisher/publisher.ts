// The root-ca-cert-publisher controller (kube-controller-manager's name): a ConfigMap
// `kube-root-ca.crt` in every namespace holding the cluster CA as `ca.crt`, which pods'
// kube-api-access volumes project so in-cluster clients can verify the API server. Created
// when a namespace appears or the ConfigMap is deleted, put back when edited.
import type { ConfigMap, Namespace } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import { runWorkers } from '../../informer/workers.js';
import { WorkQueue } from '../../informer/workqueue.js';
import type { ControllerFactory } from '../controller.js';
import { requireResource } from '../shared/resources.js';

export const ROOT_CA_CONFIG_MAP = 'kube-root-ca.crt';
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
export const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. ' +
  'No other usage is guaranteed across distributions of Kubernetes clusters.';

export interface RootCaCertPublisherOptions {
  /** The cluster CA certificate (PEM) the API server's serving certificate chains to. */
  rootCaCert: string;
}

/** True when a create failed because the namespace is gone or terminating: no retry helps. */
function namespaceUnavailable(err: unknown): boolean {
  if (!(err instanceof ApiError)) return false;
  return err.code === 404 || (err.details?.causes ?? []).some((c) => c.reason === 'NamespaceTerminating');
}

function sameData(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const keys = Object.keys(a ?? {});
  return keys.length === Object.keys(b).length && keys.every((k) => a?.[k] === b[k]);
}

export function rootCaCertPublisherController(o: RootCaCertPublisherOptions): ControllerFactory {
  return (ctx) => ({
    name: 'root-ca-cert-publisher',
    async run(signal) {
      const nsResource = requireResource('', 'v1', 'namespaces');
      const cmResource = requireResource('', 'v1', 'configmaps');
      const namespaces = ctx.informers.informerFor<Namespace>(nsResource);
      // Kubernetes watches every ConfigMap; only this one name matters, so k8ts caches only it.
      const configMaps = ctx.informers.informerFor<ConfigMap>(cmResource, { fieldSelector: `metadata.name=${ROOT_CA_CONFIG_MAP}` });
      const queue = new WorkQueue({ clock: ctx.clock });
      const enqueueNamespaceOf = (cm: ConfigMap): void => {
        if (cm.metadata?.name === ROOT_CA_CONFIG_MAP && cm.metadata.namespace) queue.add(cm.metadata.namespace);
      };
      namespaces.addEventHandler({
        onAdd: (ns) => void (ns.metadata?.name && queue.add(ns.metadata.name)),
        onUpdate: (_old, ns) => {
          if (ns.metadata?.name && (ns.status?.phase ?? 'Active') === 'Active') queue.add(ns.metadata.name);
        },
      });
      configMaps.addEventHandler({ onUpdate: (_old, cm) => enqueueNamespaceOf(cm), onDelete: enqueueNamespaceOf });
      const synced = await Promise.all([namespaces.waitForSync(signal), configMaps.waitForSync(signal)]);
      if (!synced.every(Boolean)) return;

      const data = { 'ca.crt': o.rootCaCert };
      const reconcile = async (namespace: string): Promise<void> => {
        const client = ctx.client.resource<ConfigMap>(cmResource, namespace);
        const cm = configMaps.cache.get(`${namespace}/${ROOT_CA_CONFIG_MAP}`);
        if (!cm) {
          // Kubernetes does not check the namespace first: the API refuses content in a
          // terminating one, and that refusal ends the attempt.
          try {
            await client.create({
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name: ROOT_CA_CONFIG_MAP, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } },
              data,
            });
            ctx.log.debug(`created ConfigMap ${namespace}/${ROOT_CA_CONFIG_MAP}`);
          } catch (err) {
            if (namespaceUnavailable(err)) return;
            throw err;
          }
          return;
        }
        if (sameData(cm.data, data) && (cm.metadata?.annotations?.[DESCRIPTION_ANNOTATION] ?? '') !== '') return;
        // Only the data and the description are ours; other fields (labels, binaryData) stay.
        await client.update({
          ...cm,
          metadata: { ...cm.metadata, annotations: { ...cm.metadata?.annotations, [DESCRIPTION_ANNOTATION]: DESCRIPTION } },
          data,
        });
        ctx.log.debug(`restored ConfigMap ${namespace}/${ROOT_CA_CONFIG_MAP}`);
      };
      await runWorkers(queue, reconcile, { workers: ctx.options.workers, signal, log: ctx.log });
    },
  });
}
