// The CSR approving controller (Kubernetes' "csrapproving"): approves, without a human, the
// certificate requests of kubelets — client certificates (kube-apiserver-client-kubelet) and
// serving certificates (kubelet-serving) — from a join-token bootstrapper or from the node
// itself, when the request fits the signer's rules. Anything else is left for `kubectl
// certificate approve|deny`. Approval is the condition Approved/True, reason AutoApproved,
// written through the `approval` subresource.
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { findResource } from '../../api/resources.js';
import { apiErrorFromResponse } from '../../client/status.js';
import { CsrError, parseCsr } from '../../pki/csr.js';
import { objectKey } from '../../informer/cache.js';
import { runWorkers } from '../../informer/workers.js';
import { WorkQueue } from '../../informer/workqueue.js';
import type { ControllerContext, ControllerFactory } from '../controller.js';
import { formatTime, wallClock } from '../shared/wallclock.js';
import { isDecided, isNodeSigner, KUBELET_CLIENT_SIGNER, nodeCsrProblem, requesterMayAsk } from './node-csr.js';

const CSRS = findResource('certificates.k8s.io', 'v1', 'certificatesigningrequests');

export const csrApprovingController: ControllerFactory = (ctx) => ({
  name: 'csrapproving',
  run: (signal) => run(ctx, signal),
});

/** The Approved condition this controller adds, or why it leaves the request alone. */
export function autoApproval(csr: CertificateSigningRequest): { approve: true; message: string } | { approve: false; why: string } {
  const signer = csr.spec.signerName;
  if (!isNodeSigner(signer)) return { approve: false, why: `signer ${signer} is not a kubelet signer` };
  if (isDecided(csr)) return { approve: false, why: 'already decided' };
  let parsed;
  try {
    parsed = parseCsr(Buffer.from(csr.spec.request, 'base64').toString('utf8'));
  } catch (err) {
    if (err instanceof CsrError) return { approve: false, why: err.message };
    throw err;
  }
  if (!requesterMayAsk(csr.spec, parsed)) return { approve: false, why: `requester ${csr.spec.username ?? '?'} may not ask for ${parsed.commonName ?? '?'}` };
  const problem = nodeCsrProblem(signer, parsed, csr.spec.usages ?? []);
  if (problem) return { approve: false, why: problem };
  const kind = signer === KUBELET_CLIENT_SIGNER ? 'client' : 'serving';
  return { approve: true, message: `Auto approving kubelet ${kind} certificate after SubjectAccessReview.` };
}

async function run(ctx: ControllerContext, signal: AbortSignal): Promise<void> {
  if (!CSRS) throw new Error('certificatesigningrequests missing from the resource table');
  const log = ctx.log.child('csrapproving');
  const now = wallClock(ctx.clock);
  const csrs = ctx.informers.informerFor<CertificateSigningRequest>(CSRS);
  const api = ctx.client.resource<CertificateSigningRequest>(CSRS);
  const queue = new WorkQueue({ clock: ctx.clock });
  const enqueue = (csr: CertificateSigningRequest): void => {
    if (isNodeSigner(csr.spec.signerName) && !isDecided(csr)) queue.add(objectKey(csr));
  };
  csrs.addEventHandler({ onAdd: enqueue, onUpdate: (_old, csr) => enqueue(csr) });

  const putApproval = (csr: CertificateSigningRequest, subresource: 'approval' | 'status') =>
    ctx.client.transport.request({
      method: 'PUT',
      path: api.objectPath(csr.metadata?.name ?? '', undefined, subresource),
      body: Buffer.from(JSON.stringify(csr)),
      contentType: 'application/json',
    });

  const reconcile = async (key: string): Promise<void> => {
    const cached = csrs.cache.get(key);
    if (!cached) return;
    const decision = autoApproval(cached);
    if (!decision.approve) {
      if (decision.why !== 'already decided') log.debug(`${key}: not auto-approved: ${decision.why}`);
      return;
    }
    const at = formatTime(now());
    const approved: CertificateSigningRequest = {
      ...cached,
      status: {
        ...cached.status,
        conditions: [
          ...(cached.status?.conditions ?? []),
          { type: 'Approved', status: 'True', reason: 'AutoApproved', message: decision.message, lastUpdateTime: at, lastTransitionTime: at },
        ],
      },
    };
    let res = await putApproval(approved, 'approval');
    // A server without the approval subresource takes the condition through status.
    if (res.status === 404) res = await putApproval(approved, 'status');
    if (res.status === 404 || res.status === 409) return; // gone, or changed: the informer brings the new one
    if (res.status < 200 || res.status > 299) throw apiErrorFromResponse(res.status, res.body);
    log.info(`approved ${key} (${cached.spec.signerName}) for ${cached.spec.username ?? '?'}`);
  };

  if (!(await ctx.informers.waitForSync(signal))) return;
  await runWorkers(queue, reconcile, { workers: 1, signal, log });
}
