// Claiming pods (Kubernetes' PodControllerRefManager) with the rules and loop of
// ../shared/ownership.ts: plain controller-reference patches.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { LabelMatcher } from '../../api/selectors/labels.js';
import type { ResourceClient } from '../../client/resource-client.js';
import { adopt, claimObjects, newControllerRef, release } from '../shared/ownership.js';
import type { ReplicatedKind, ReplicatedObject } from './replicated-kind.js';

export interface ClaimOptions {
  kind: ReplicatedKind;
  owner: ReplicatedObject;
  selector: LabelMatcher;
  pods: ResourceClient<Pod>;
  /** Asked once, before the first adoption; throws when the owner is gone or being deleted. */
  canAdopt: () => Promise<void>;
}

/** The pods (from `candidates`: owned or orphaned, active) that belong to the owner after claiming. */
export function claimPods(candidates: readonly Pod[], options: ClaimOptions): Promise<Pod[]> {
  const { owner, selector, pods } = options;
  return claimObjects(candidates, owner, selector, {
    // The candidate itself is kept, not the patched copy: only its reference changed.
    adopt: async (pod) => ((await adopt(pods, pod, newControllerRef(options.kind, owner))) ? pod : undefined),
    release: (pod) => release(pods, pod, owner),
    canAdopt: options.canAdopt,
  });
}
