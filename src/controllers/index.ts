// Every controller the controller manager runs, in start order, with the name Kubernetes'
// kube-controller-manager gives it (`--controllers` uses these names).
import { eventTtlController } from '../events/ttl.js';
import type { ControllerFactory } from './controller.js';
import { csrApprovingController } from './certificates/approving.js';
import { csrSigningController, type CsrSigningOptions } from './certificates/signing.js';
import { clusterRoleAggregationController } from './clusterroleaggregation/clusterroleaggregation.js';
import { cronJobController } from './cronjob/cronjob.js';
import { daemonSetController } from './daemonset/daemonset.js';
import { deploymentController } from './deployment/deployment.js';
import { disruptionController } from './disruption/disruption.js';
import { endpointsController } from './endpoints/endpoints.js';
import { endpointSliceController } from './endpointslice/endpointslice.js';
import { garbageCollectorController } from './garbagecollector/garbagecollector.js';
import { horizontalPodAutoscalerController, type HorizontalPodAutoscalerOptions } from './horizontalpodautoscaler/horizontalpodautoscaler.js';
import { jobController } from './job/job.js';
import { namespaceController } from './namespace/namespace.js';
import { nodeIpamController, type NodeIpamOptions } from './nodeipam/nodeipam.js';
import { nodeLifecycleController } from './nodelifecycle/nodelifecycle.js';
import { podGarbageCollectorController } from './podgc/podgc.js';
import { replicaSetController, replicationControllerController } from './replicaset/replicaset.js';
import { resourceQuotaController } from './resourcequota/resourcequota.js';
import { rootCaCertPublisherController } from './rootcacertpublisher/publisher.js';
import { serviceAccountController } from './serviceaccount/serviceaccount.js';
import { statefulSetController } from './statefulset/statefulset.js';
import { ttlAfterFinishedController } from './ttlafterfinished/ttlafterfinished.js';

export interface ControllerSetOptions {
  nodeIpam?: NodeIpamOptions;
  /** The cluster CA that signs node certificates (CSR signer); without it no CSR is signed. */
  csrSigning?: CsrSigningOptions;
  /** The cluster CA certificate (PEM) published as ConfigMap kube-root-ca.crt in every namespace; without it none is. */
  rootCaCert?: string;
  /** Sync period, tolerance and metrics source of the horizontal pod autoscaler (Kubernetes' defaults when absent). */
  horizontalPodAutoscaler?: HorizontalPodAutoscalerOptions;
}

/** The default set: everything kube-controller-manager runs by default that k8ts has. */
export function defaultControllers(options: ControllerSetOptions = {}): ControllerFactory[] {
  return [
    namespaceController,
    serviceAccountController,
    garbageCollectorController,
    replicaSetController,
    replicationControllerController,
    deploymentController,
    statefulSetController,
    daemonSetController,
    jobController,
    cronJobController,
    ttlAfterFinishedController,
    endpointsController,
    endpointSliceController,
    nodeIpamController(options.nodeIpam),
    nodeLifecycleController,
    podGarbageCollectorController,
    resourceQuotaController,
    disruptionController,
    horizontalPodAutoscalerController(options.horizontalPodAutoscaler),
    eventTtlController,
    csrApprovingController,
    clusterRoleAggregationController,
    ...(options.csrSigning ? [csrSigningController(options.csrSigning)] : []),
    ...(options.rootCaCert !== undefined ? [rootCaCertPublisherController({ rootCaCert: options.rootCaCert })] : []),
  ];
}
