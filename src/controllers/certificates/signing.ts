// The CSR signing controller (Kubernetes' "csrsigning"): issues approved kubelet certificate
// requests with the cluster CA into `status.certificate` (PEM), valid for a year or for
// `spec.expirationSeconds` when shorter. A request that breaks its signer's rules gets the
// condition Failed (reason SignerValidationFailure) instead, as Kubernetes' signer does.
import { X509Certificate, type KeyObject } from 'node:crypto';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { ApiError } from '../../api/errors.js';
import { findResource } from '../../api/resources.js';
import { createCertificate } from '../../pki/certificates.js';
import { CsrError, parseCsr, type ParsedCsr } from '../../pki/csr.js';
import { objectKey } from '../../informer/cache.js';
import { runWorkers } from '../../informer/workers.js';
import { WorkQueue } from '../../informer/workqueue.js';
import type { ControllerFactory } from '../controller.js';
import { formatTime, wallClock } from '../shared/wallclock.js';
import { condition, isNodeSigner, KUBELET_CLIENT_SIGNER, nodeCsrProblem, type NodeSigner } from './node-csr.js';

const CSRS = findResource('certificates.k8s.io', 'v1', 'certificatesigningrequests');
const MAX_VALIDITY_MS = 365 * 86_400_000;
/** Kubernetes' floor for spec.expirationSeconds. */
const MIN_EXPIRATION_SECONDS = 600;

export interface CsrSigningOptions {
  /** The cluster CA (PEM) and its private key. */
  caCert: string;
  caKey: KeyObject;
}

function wantsSigning(csr: CertificateSigningRequest): boolean {
  return (
    isNodeSigner(csr.spec.signerName) &&
    condition(csr, 'Approved') !== undefined &&
    condition(csr, 'Denied') === undefined &&
    condition(csr, 'Failed') === undefined &&
    !csr.status?.certificate
  );
}

/** The certificate for `csr`, signed by the CA; its subject and names come from the request. */
export function issueNodeCertificate(o: CsrSigningOptions & { signer: NodeSigner; request: ParsedCsr; validityMs: number; now: Date }): string {
  return createCertificate({
    subject: { commonName: o.request.commonName ?? '', organizations: o.request.organizations },
    // Only the public key is certified; the private key slot is the issuer's (it signs).
    keys: { publicKey: o.request.publicKey, privateKey: o.caKey },
    issuer: { certificatePem: o.caCert, privateKey: o.caKey },
    usage: o.signer === KUBELET_CLIENT_SIGNER ? 'client' : 'server',
    altNames: [...o.request.dnsNames, ...o.request.ipAddresses],
    validDays: o.validityMs / 86_400_000,
    now: o.now,
  });
}

export function csrSigningController(options: CsrSigningOptions): ControllerFactory {
  const caNotAfter = Date.parse(new X509Certificate(options.caCert).validTo);
  return (ctx) => ({
    name: 'csrsigning',
    async run(signal) {
      if (!CSRS) throw new Error('certificatesigningrequests missing from the resource table');
      const log = ctx.log.child('csrsigning');
      const now = wallClock(ctx.clock);
      const csrs = ctx.informers.informerFor<CertificateSigningRequest>(CSRS);
      const api = ctx.client.resource<CertificateSigningRequest>(CSRS);
      const queue = new WorkQueue({ clock: ctx.clock });
      const enqueue = (csr: CertificateSigningRequest): void => {
        if (wantsSigning(csr)) queue.add(objectKey(csr));
      };
      csrs.addEventHandler({ onAdd: enqueue, onUpdate: (_old, csr) => enqueue(csr) });

      const writeStatus = async (csr: CertificateSigningRequest, status: CertificateSigningRequest['status']): Promise<void> => {
        try {
          await api.updateStatus({ ...csr, status });
        } catch (err) {
          // Gone, or changed since the cache saw it: the informer brings the new version.
          if (err instanceof ApiError && (err.code === 404 || err.code === 409)) return;
          throw err;
        }
      };

      const reconcile = async (key: string): Promise<void> => {
        const csr = csrs.cache.get(key);
        if (!csr || !wantsSigning(csr)) return;
        const signer = csr.spec.signerName as NodeSigner;
        let problem: string | undefined;
        let request: ParsedCsr | undefined;
        try {
          request = parseCsr(Buffer.from(csr.spec.request, 'base64').toString('utf8'));
          problem = nodeCsrProblem(signer, request, csr.spec.usages ?? []);
        } catch (err) {
          if (!(err instanceof CsrError)) throw err;
          problem = err.message;
        }
        const at = formatTime(now());
        if (problem || !request) {
          log.info(`${key}: not signed: ${problem ?? 'unreadable request'}`);
          const failed = { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: problem ?? 'unreadable request', lastUpdateTime: at, lastTransitionTime: at };
          return writeStatus(csr, { ...csr.status, conditions: [...(csr.status?.conditions ?? []), failed] });
        }
        const requested = csr.spec.expirationSeconds;
        const wanted = requested !== undefined ? Math.max(requested, MIN_EXPIRATION_SECONDS) * 1000 : MAX_VALIDITY_MS;
        const t = now();
        // Never past the CA's own expiry.
        const validityMs = Math.max(0, Math.min(wanted, MAX_VALIDITY_MS, caNotAfter - t));
        const pem = issueNodeCertificate({ ...options, signer, request, validityMs, now: new Date(t) });
        await writeStatus(csr, { ...csr.status, certificate: Buffer.from(pem).toString('base64') });
        log.info(`signed ${key} (${signer}) for ${request.commonName ?? '?'}`);
      };

      if (!(await ctx.informers.waitForSync(signal))) return;
      await runWorkers(queue, reconcile, { workers: 1, signal, log });
    },
  });
}
