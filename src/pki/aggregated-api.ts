// Serving certificates for aggregated API servers (the front-proxy CA and the API server's proxy
// client certificate are the cluster PKI's, pki.ts).
import { createCertificate, generateKeys, loadPrivateKey, privateKeyPem } from './certificates.js';

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
