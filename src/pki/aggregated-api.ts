// Certificates for aggregated API servers (Kubernetes' front-proxy PKI): a request-header CA,
// kept apart from the cluster CA so a certificate it signs means only "the API server proxying
// for a user it authenticated"; the API server's proxy client certificate from it (CN
// front-proxy-client, as kubeadm names it); and serving certificates for the aggregated servers.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificate, generateKeys, loadPrivateKey, privateKeyPem } from './certificates.js';

export const FRONT_PROXY_CLIENT_NAME = 'front-proxy-client';

export interface RequestHeaderPki {
  /** Give to aggregated servers as their request-header client CA. */
  caCert: string;
  /** The API server presents these when it proxies to an aggregated server. */
  proxyClientCert: string;
  proxyClientKey: string;
}

/** `<tlsDir>/request-header-ca.{crt,key}` and `<tlsDir>/front-proxy-client.{crt,key}`, made once. */
export function ensureRequestHeaderPki(tlsDir: string): RequestHeaderPki {
  mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
  const file = (name: string): string => join(tlsDir, name);
  if (!existsSync(file('request-header-ca.crt')) || !existsSync(file('request-header-ca.key'))) {
    const keys = generateKeys();
    writeFileSync(file('request-header-ca.key'), privateKeyPem(keys.privateKey), { mode: 0o600 });
    writeFileSync(file('request-header-ca.crt'), createCertificate({ subject: { commonName: 'k8ts-request-header-ca' }, keys, usage: 'ca', validDays: 3650 }));
  }
  const caCert = readFileSync(file('request-header-ca.crt'), 'utf8');
  if (!existsSync(file('front-proxy-client.crt')) || !existsSync(file('front-proxy-client.key'))) {
    const keys = generateKeys();
    const issuer = { certificatePem: caCert, privateKey: loadPrivateKey(readFileSync(file('request-header-ca.key'), 'utf8')) };
    writeFileSync(file('front-proxy-client.key'), privateKeyPem(keys.privateKey), { mode: 0o600 });
    writeFileSync(file('front-proxy-client.crt'), createCertificate({ subject: { commonName: FRONT_PROXY_CLIENT_NAME }, keys, issuer, usage: 'client', validDays: 365 }));
  }
  return {
    caCert,
    proxyClientCert: readFileSync(file('front-proxy-client.crt'), 'utf8'),
    proxyClientKey: readFileSync(file('front-proxy-client.key'), 'utf8'),
  };
}

/**
 * A serving certificate signed by the given CA, made in memory (a new key each start): what an
 * aggregated server presents, and what the APIService's caBundle (that CA) verifies.
 */
export function issueServingCertificate(o: { caCert: string; caKeyPem: string; commonName: string; altNames: readonly string[]; validDays?: number }): { cert: string; key: string } {
  const keys = generateKeys();
  const issuer = { certificatePem: o.caCert, privateKey: loadPrivateKey(o.caKeyPem) };
  const cert = createCertificate({ subject: { commonName: o.commonName }, keys, issuer, usage: 'server', altNames: o.altNames, validDays: o.validDays ?? 365 });
  return { cert, key: privateKeyPem(keys.privateKey) };
}

/** The names a Service's serving certificate needs: `<svc>`, `<svc>.<ns>`, `<svc>.<ns>.svc`, and the cluster-local form. */
export function serviceDnsNames(namespace: string, name: string): string[] {
  return [name, `${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`];
}
