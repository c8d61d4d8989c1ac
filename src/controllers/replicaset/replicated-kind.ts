// ReplicaSet and ReplicationController differ only in the API they live at and in the shape of
// their selector (a LabelSelector vs a plain label map); everything else — spec.replicas,
// minReadySeconds, template, and the status fields — has the same JSON shape. Kubernetes runs
// the RC controller as the RS controller over converted objects; this is the same idea without
// the conversion.
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { ObjectMeta } from '../../api/object.js';
import type { ResourceInfo } from '../../api/resources.js';
import { labelSelectorFromObject, labelSelectorFromSet, type LabelMatcher } from '../../api/selectors/labels.js';
import { requireResource } from '../shared/resources.js';

export interface ReplicatedCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface ReplicatedStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicatedCondition[];
}

/** A ReplicaSet or a ReplicationController, as far as the controller reads and writes it. */
export interface ReplicatedObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: {
    replicas?: number;
    minReadySeconds?: number;
    selector?: LabelSelector | Record<string, string>;
    template?: PodTemplateSpec;
  };
  status?: ReplicatedStatus;
}

export interface ReplicatedKind {
  /** The controller's name in the controller manager. */
  controllerName: 'replicaset' | 'replicationcontroller';
  apiVersion: string;
  kind: 'ReplicaSet' | 'ReplicationController';
  resource: ResourceInfo;
  /** The selector as a matcher; throws ApiError BadRequest for an invalid one. */
  selector(obj: ReplicatedObject): LabelMatcher;
}

const NOTHING: LabelMatcher = { matches: () => false, empty: false, toString: () => '' };


export const REPLICA_SET_KIND: ReplicatedKind = {
  controllerName: 'replicaset',
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  resource: requireResource('apps', 'v1', 'replicasets'),
  // A nil selector selects nothing (LabelSelectorAsSelector); validation rejects it anyway.
  selector: (obj) => (obj.spec?.selector ? labelSelectorFromObject(obj.spec.selector as LabelSelector) : NOTHING),
};

export const REPLICATION_CONTROLLER_KIND: ReplicatedKind = {
  controllerName: 'replicationcontroller',
  apiVersion: 'v1',
  kind: 'ReplicationController',
  resource: requireResource('', 'v1', 'replicationcontrollers'),
  // The API server defaults an absent RC selector to the template labels.
  selector: (obj) => labelSelectorFromSet((obj.spec?.selector as Record<string, string> | undefined) ?? {}),
};
