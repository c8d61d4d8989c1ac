// Claiming pods for a Job (Kubernetes' PodControllerRefManager with the job-tracking finalizer):
// an orphan in the Job's namespace that matches its selector is adopted, given the controller
// reference and the finalizer in one patch; a pod the Job controls that stopped matching is
// released, losing both in one patch. Pods of other controllers are left alone.
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import type { LabelMatcher } from '../../api/selectors/labels.js';
import type { ResourceClient } from '../../client/resource-client.js';
import { claimObjects, newControllerRef } from '../shared/ownership.js';
import { hasTrackingFinalizer, JOB_TRACKING_FINALIZER } from './pods.js';

const JOB_KIND = { apiVersion: 'batch/v1', kind: 'Job' };

export interface JobClaimOptions {
  job: Job;
  selector: LabelMatcher;
  pods: ResourceClient<Pod>;
  /** Asked once, before the first adoption; throws when the Job is gone or being deleted. */
  canAdopt: () => Promise<void>;
}

/**
 * The pods of `candidates` (the Job's own and the namespace's orphans) that belong to the Job
 * after claiming; an adopted pod is returned as patched, with the finalizer.
 */
export function claimJobPods(candidates: readonly Pod[], o: JobClaimOptions): Promise<Pod[]> {
  return claimObjects(candidates, o.job, o.selector, {
    adopt: (pod) => patchPod(o.pods, pod, { ownerReferences: [newControllerRef(JOB_KIND, o.job)], finalizers: [JOB_TRACKING_FINALIZER] }),
    release: (pod) =>
      patchPod(o.pods, pod, {
        ownerReferences: [{ $patch: 'delete', uid: o.job.metadata?.uid ?? '' }],
        ...(hasTrackingFinalizer(pod) ? { '$deleteFromPrimitiveList/finalizers': [JOB_TRACKING_FINALIZER] } : {}),
      }),
    canAdopt: o.canAdopt,
  });
}

/** A strategic merge patch of the pod's metadata, for this very pod (uid); undefined when it is gone. */
async function patchPod(pods: ResourceClient<Pod>, pod: Pod, metadata: Record<string, unknown>): Promise<Pod | undefined> {
  try {
    return await pods.patch(pod.metadata?.name ?? '', 'strategic', { metadata: { ...metadata, uid: pod.metadata?.uid } });
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return undefined;
    throw err;
  }
}
