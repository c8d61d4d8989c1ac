// What a node's certificate request must look like, for the two signers a kubelet uses
// (Kubernetes' well-known signers): `kubernetes.io/kube-apiserver-client-kubelet` (the kubelet's
// client certificate) and `kubernetes.io/kubelet-serving` (its HTTPS endpoint). The approver
// and the signer both apply these rules; the approver also checks who asked.
import type { CertificateSigningRequest, CertificateSigningRequestCondition } from 'kubernetes-types/certificates/v1.js';
import type { ParsedCsr } from '../../pki/csr.js';

export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
export type NodeSigner = typeof KUBELET_CLIENT_SIGNER | typeof KUBELET_SERVING_SIGNER;

export const NODE_USER_PREFIX = 'system:node:';
export const NODES_GROUP = 'system:nodes';
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';

export function isNodeSigner(name: string | undefined): name is NodeSigner {
  return name === KUBELET_CLIENT_SIGNER || name === KUBELET_SERVING_SIGNER;
}

export function condition(csr: CertificateSigningRequest, type: string): CertificateSigningRequestCondition | undefined {
  return csr.status?.conditions?.find((c) => c.type === type && c.status !== 'False');
}

/** Approved, Denied or Failed: nothing more for an approver to do. */
export function isDecided(csr: CertificateSigningRequest): boolean {
  return condition(csr, 'Approved') !== undefined || condition(csr, 'Denied') !== undefined || condition(csr, 'Failed') !== undefined;
}

const ALLOWED_USAGES: Record<NodeSigner, { required: string; allowed: ReadonlySet<string> }> = {
  [KUBELET_CLIENT_SIGNER]: { required: 'client auth', allowed: new Set(['digital signature', 'key encipherment', 'client auth']) },
  [KUBELET_SERVING_SIGNER]: { required: 'server auth', allowed: new Set(['digital signature', 'key encipherment', 'server auth']) },
};

/** Why the request does not fit the signer's rules, or undefined when it does. */
export function nodeCsrProblem(signer: NodeSigner, csr: ParsedCsr, usages: readonly string[]): string | undefined {
  if (csr.organizations.length !== 1 || csr.organizations[0] !== NODES_GROUP) return `subject organization must be exactly ["${NODES_GROUP}"]`;
  if (!csr.commonName?.startsWith(NODE_USER_PREFIX) || csr.commonName.length === NODE_USER_PREFIX.length) {
    return `subject common name must start with "${NODE_USER_PREFIX}" and name a node`;
  }
  const rule = ALLOWED_USAGES[signer];
  if (!usages.includes(rule.required)) return `usages must include "${rule.required}"`;
  const extra = usages.find((u) => !rule.allowed.has(u));
  if (extra) return `usage "${extra}" is not allowed for ${signer}`;
  if (csr.emailAddresses.length > 0 || csr.uris.length > 0) return 'email and URI subject alternative names are not allowed';
  if (signer === KUBELET_CLIENT_SIGNER && (csr.dnsNames.length > 0 || csr.ipAddresses.length > 0)) return 'a client certificate may not have DNS or IP subject alternative names';
  if (signer === KUBELET_SERVING_SIGNER && csr.dnsNames.length + csr.ipAddresses.length === 0) return 'a serving certificate needs at least one DNS name or IP address';
  return undefined;
}

/**
 * Whether the requester may get this certificate without a human: a bootstrapper (join token)
 * for any node, or a node renewing its own (the user is the request's common name).
 */
export function requesterMayAsk(spec: CertificateSigningRequest['spec'], csr: ParsedCsr): boolean {
  const groups = spec.groups ?? [];
  if (groups.includes(BOOTSTRAPPERS_GROUP)) return true;
  return groups.includes(NODES_GROUP) && spec.username !== undefined && spec.username === csr.commonName;
}
