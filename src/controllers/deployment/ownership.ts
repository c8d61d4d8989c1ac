// Claiming ReplicaSets (Kubernetes' ReplicaSetControllerRefManager) with the rules of
// ../shared/ownership.ts: one candidate after another, stopping at the first error.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { LabelMatcher } from '../../api/selectors/labels.js';
import type { ResourceClient } from '../../client/resource-client.js';
import { adopt, claimAction, newControllerRef, release } from '../shared/ownership.js';

export const DEPLOYMENT_KIND = { apiVersion: 'apps/v1', kind: 'Deployment' } as const;

export interface ClaimOptions {
  deployment: Deployment;
  selector: LabelMatcher;
  replicaSets: ResourceClient<ReplicaSet>;
  /** A fresh read of the Deployment before the first adoption; throws when it is gone or being deleted. */
  canAdopt: () => Promise<void>;
}

/** The ReplicaSets that belong to the Deployment after claiming; adopted ones as patched. */
export async function claimReplicaSets(candidates: readonly ReplicaSet[], options: ClaimOptions): Promise<ReplicaSet[]> {
  const { deployment: d, selector, replicaSets } = options;
  let checked: Promise<void> | undefined;
  const claimed: ReplicaSet[] = [];
  for (const rs of candidates) {
    switch (claimAction(rs, d, selector)) {
      case 'owned':
        claimed.push(rs);
        break;
      case 'release':
        await release(replicaSets, rs, d);
        break;
      case 'adopt': {
        checked ??= options.canAdopt();
        await checked;
        const adopted = await adopt(replicaSets, rs, newControllerRef(DEPLOYMENT_KIND, d));
        if (adopted) claimed.push(adopted);
        break;
      }
      case 'ignore':
        break;
    }
  }
  return claimed;
}
