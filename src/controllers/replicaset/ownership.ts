// Claiming pods (Kubernetes' PodControllerRefManager) with the rules of ../shared/ownership.ts:
// every candidate at once; an error does not stop the others, the first one is thrown after.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { LabelMatcher } from '../../api/selectors/labels.js';
import type { ResourceClient } from '../../client/resource-client.js';
import { adopt, claimAction, newControllerRef, release } from '../shared/ownership.js';
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
export async function claimPods(candidates: readonly Pod[], options: ClaimOptions): Promise<Pod[]> {
  const { owner, selector, pods } = options;
  let adoptionChecked: Promise<void> | undefined;
  const claimed: Pod[] = [];
  const errors: unknown[] = [];
  await Promise.all(
    candidates.map(async (pod) => {
      try {
        switch (claimAction(pod, owner, selector)) {
          case 'owned':
            claimed.push(pod);
            return;
          case 'release':
            await release(pods, pod, owner);
            return;
          case 'adopt':
            adoptionChecked ??= options.canAdopt();
            await adoptionChecked;
            if (await adopt(pods, pod, newControllerRef(options.kind, owner))) claimed.push(pod);
            return;
          case 'ignore':
            return;
        }
      } catch (err) {
        errors.push(err);
      }
    }),
  );
  if (errors.length > 0) throw errors[0];
  return claimed;
}
