// Credentials for a node agent running inside `k8ts server`, which holds the CA key itself and
// so signs the node's certificates directly instead of going through CSRs. Same subjects,
// usages and names as the CSR path (bootstrap.ts) produces.
import { isIP } from 'node:net';
import { createCertificate, generateKeys, loadPrivateKey, privateKeyPem } from '../pki/certificates.js';
import type { NodeCredentials } from './bootstrap.js';

const VALID_DAYS = 365;

export function issueLocalNodeCredentials(o: { caCert: string; caKey: string; nodeName: string; servingNames: readonly string[] }): NodeCredentials {
  const issuer = { certificatePem: o.caCert, privateKey: loadPrivateKey(o.caKey) };
  const subject = { commonName: `system:node:${o.nodeName}`, organizations: ['system:nodes'] };
  const clientKeys = generateKeys();
  const servingKeys = generateKeys();
  const altNames = [...new Set(o.servingNames)].sort((a, b) => Number(isIP(b) > 0) - Number(isIP(a) > 0));
  return {
    caCert: o.caCert,
    client: { cert: createCertificate({ subject, keys: clientKeys, issuer, usage: 'client', validDays: VALID_DAYS }), key: privateKeyPem(clientKeys.privateKey) },
    serving: { cert: createCertificate({ subject, keys: servingKeys, issuer, usage: 'server', altNames, validDays: VALID_DAYS }), key: privateKeyPem(servingKeys.privateKey) },
  };
}
