// TLS bootstrap, the Kubernetes way: with only the join token, an agent fetches and verifies
// the cluster CA, then asks for its certificates through certificates.k8s.io/v1
// CertificateSigningRequests — a client certificate (signer kube-apiserver-client-kubelet,
// CN system:node:<name>, O system:nodes) and a serving certificate for the kubelet API
// (signer kubelet-serving, SANs = the node's names and addresses) — which the control plane's
// CSR controllers approve and sign. Private keys never leave the node. Certificates kept in
// `pkiDir` are reused while valid, so a restarted agent joins without the token's help.
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { ApiError } from '../api/errors.js';
import { createClient, type ApiClient } from '../client/client.js';
import { HttpTransport } from '../client/http.js';
import { generateKeys, privateKeyPem } from '../pki/certificates.js';
import { createCsr } from '../pki/csr.js';
import type { Logger } from '../log.js';
import { fetchClusterCa } from './cluster-ca.js';
import { parseJoinToken, tokenMatchesCa } from './join-token.js';

const CSRS = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests' } as const;
const SELF_SUBJECT_REVIEWS = { group: 'authentication.k8s.io', version: 'v1', resource: 'selfsubjectreviews' } as const;
const CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
const SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
/** Certificates closer than this to expiry are requested again. */
const RENEW_BEFORE_MS = 3_600_000;

export interface KeyAndCert {
  cert: string;
  key: string;
}

export interface NodeCredentials {
  caCert: string;
  client: KeyAndCert;
  /** Absent when only a client certificate was asked for. */
  serving?: KeyAndCert;
}

export interface BootstrapOptions {
  /** https://host:port of the API server. */
  server: string;
  /** The join token (K10…::server:<secret>, or a bare secret). */
  token: string;
  nodeName: string;
  /** DNS names and IP addresses of the kubelet API; omitted: no serving certificate. */
  servingNames?: readonly string[];
  /** Where the CA, keys and certificates are kept (created 0700); omitted: memory only. */
  pkiDir?: string;
  log: Logger;
  signal: AbortSignal;
  /** How long to wait for a request to be issued. Default 5 minutes. */
  issueTimeoutMs?: number;
}

export class BootstrapError extends Error {}

function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** Whether a stored certificate is still the one to use: issued by `ca`, for this node, not expiring. */
function usable(pair: Partial<KeyAndCert>, ca: string, commonName: string, names: readonly string[] = []): pair is KeyAndCert {
  if (!pair.cert || !pair.key) return false;
  try {
    const cert = new X509Certificate(pair.cert);
    const issuer = new X509Certificate(ca);
    if (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) return false;
    if (!cert.subject.split('\n').includes(`CN=${commonName}`)) return false;
    if (Date.parse(cert.validTo) - Date.now() < RENEW_BEFORE_MS) return false;
    return names.every((n) => (isIP(n) ? cert.checkIP(n) !== undefined : cert.checkHost(n) !== undefined));
  } catch {
    return false;
  }
}

async function whoAmI(client: ApiClient): Promise<{ username: string; groups: string[] }> {
  const review = await client.resource(SELF_SUBJECT_REVIEWS).create({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: {} });
  const status = review['status'] as { userInfo?: { username?: string; groups?: string[] } } | undefined;
  return { username: status?.userInfo?.username ?? '', groups: status?.userInfo?.groups ?? [] };
}

function describeFailure(csr: CertificateSigningRequest): string | undefined {
  const bad = csr.status?.conditions?.find((c) => (c.type === 'Denied' || c.type === 'Failed') && c.status !== 'False');
  return bad ? `${bad.type}: ${bad.reason ?? ''} ${bad.message ?? ''}`.trim() : undefined;
}

/** Creates the request and waits (by watch) until it carries a certificate. */
async function requestCertificate(
  client: ApiClient,
  requester: { username: string; groups: string[] },
  o: { signer: string; commonName: string; names: readonly string[]; usages: string[]; log: Logger; signal: AbortSignal },
): Promise<KeyAndCert> {
  const keys = generateKeys();
  const request = createCsr({
    commonName: o.commonName,
    organizations: ['system:nodes'],
    dnsNames: o.names.filter((n) => !isIP(n)),
    ipAddresses: o.names.filter((n) => isIP(n)),
    keys,
  });
  const csrs = client.resource<CertificateSigningRequest>(CSRS);
  const created = await csrs.create({
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { generateName: 'csr-' },
    spec: {
      request: Buffer.from(request).toString('base64'),
      signerName: o.signer,
      usages: o.usages,
      // Who asks is the API server's to record (it overwrites these from the authenticated
      // user); stating the same identity keeps approval working on servers that do not.
      username: requester.username,
      groups: requester.groups,
    },
  });
  const name = created.metadata?.name ?? '';
  o.log.info(`certificate request ${name} (${o.signer}) created; waiting for approval and signing`);
  let current = created;
  while (!o.signal.aborted) {
    const failure = describeFailure(current);
    if (failure) throw new BootstrapError(`certificate request ${name} was not issued: ${failure}`);
    if (current.status?.certificate) return { cert: Buffer.from(current.status.certificate, 'base64').toString('utf8'), key: privateKeyPem(keys.privateKey) };
    try {
      for await (const ev of csrs.watch({ fieldSelector: `metadata.name=${name}`, resourceVersion: current.metadata?.resourceVersion }, o.signal)) {
        if (ev.type === 'ADDED' || ev.type === 'MODIFIED') {
          current = ev.object;
          if (current.status?.certificate || describeFailure(current)) break;
        } else if (ev.type === 'DELETED') {
          throw new BootstrapError(`certificate request ${name} was deleted before it was issued`);
        }
      }
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 410)) throw err;
      current = await csrs.get(name);
    }
  }
  throw new BootstrapError(`gave up waiting for certificate request ${name} to be issued`);
}

/**
 * The node's CA, client and serving credentials: from `pkiDir` when still valid, else by
 * verifying the CA against the token and asking the control plane to sign new ones.
 */
export async function bootstrapNodeCredentials(o: BootstrapOptions): Promise<NodeCredentials> {
  const token = parseJoinToken(o.token);
  const file = (name: string): string | undefined => (o.pkiDir ? join(o.pkiDir, name) : undefined);
  const read = (name: string): string | undefined => {
    const path = file(name);
    return path ? readIfExists(path) : undefined;
  };
  if (o.pkiDir) mkdirSync(o.pkiDir, { recursive: true, mode: 0o700 });

  let caCert = read('ca.crt');
  if (!caCert || !tokenMatchesCa(token, caCert)) {
    if (token.caHash === undefined) o.log.warn('the join token has no CA hash (K10…): trusting the CA the server presents without verification');
    caCert = await fetchClusterCa(o.server, token);
    o.log.info(`cluster CA fetched from ${o.server}${token.caHash ? ' and verified against the join token' : ''}`);
    const path = file('ca.crt');
    if (path) writeFileSync(path, caCert);
  }
  const commonName = `system:node:${o.nodeName}`;
  let client: KeyAndCert | Partial<KeyAndCert> = { cert: read('client.crt'), key: read('client.key') };
  let serving: KeyAndCert | Partial<KeyAndCert> | undefined = o.servingNames ? { cert: read('serving.crt'), key: read('serving.key') } : undefined;
  const needClient = !usable(client, caCert, commonName);
  const needServing = serving !== undefined && !usable(serving, caCert, commonName, o.servingNames);
  if (!needClient && !needServing) {
    o.log.info(`reusing the node certificates in ${o.pkiDir ?? '(memory)'}`);
    return { caCert, client: client as KeyAndCert, ...(serving ? { serving: serving as KeyAndCert } : {}) };
  }

  const api = createClient(new HttpTransport({ server: o.server, ca: caCert, token: token.secret, userAgent: 'k8ts-agent/bootstrap' }));
  try {
    let requester;
    try {
      requester = await whoAmI(api);
    } catch (err) {
      if (err instanceof ApiError && err.code === 401) throw new BootstrapError(`the server at ${o.server} does not accept the join token`);
      throw err;
    }
    const signal = AbortSignal.any([o.signal, AbortSignal.timeout(o.issueTimeoutMs ?? 300_000)]);
    const save = (name: string, pair: KeyAndCert): void => {
      const certPath = file(`${name}.crt`);
      const keyPath = file(`${name}.key`);
      if (keyPath) writeFileSync(keyPath, pair.key, { mode: 0o600 });
      if (certPath) writeFileSync(certPath, pair.cert);
    };
    if (needClient) {
      const issued = await requestCertificate(api, requester, { signer: CLIENT_SIGNER, commonName, names: [], usages: ['digital signature', 'client auth'], log: o.log, signal });
      save('client', issued);
      client = issued;
    }
    if (needServing) {
      const issued = await requestCertificate(api, requester, {
        signer: SERVING_SIGNER,
        commonName,
        names: o.servingNames ?? [],
        usages: ['digital signature', 'key encipherment', 'server auth'],
        log: o.log,
        signal,
      });
      save('serving', issued);
      serving = issued;
    }
  } finally {
    api.close();
  }
  o.log.info(`node certificates issued${o.pkiDir ? ` and stored in ${o.pkiDir}` : ''}`);
  return { caCert, client: client as KeyAndCert, ...(serving ? { serving: serving as KeyAndCert } : {}) };
}

/** A client for the node: the cluster CA and the node's client certificate. */
export function nodeClient(server: string, creds: NodeCredentials, userAgent: string): ApiClient {
  return createClient(new HttpTransport({ server, ca: creds.caCert, cert: creds.client.cert, key: creds.client.key, userAgent }));
}
