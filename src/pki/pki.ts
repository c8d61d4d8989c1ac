// The cluster's own PKI, made on first start and reused after (as k3s does): a CA, the API
// server's serving certificate, and the admin's client certificate; the key pair signing service
// account tokens (service-account-key.ts); the front-proxy CA and the client certificate the
// API server presents to extension API servers (kubeadm's front-proxy-ca and front-proxy-client,
// a CA of their own so that no other client certificate can assert identities in headers);
// plus the node join token.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { createCertificate, generateKeys, loadPrivateKey, privateKeyPem } from './certificates.js';
import { ensureServiceAccountSigningKey } from './service-account-key.js';
import { FRONT_PROXY_CLIENT_NAME } from '../api/front-proxy.js';

export interface ClusterPki {
  caCert: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  /** The front-proxy CA (--requestheader-client-ca-file) and the client certificate it signed (--proxy-client-cert-file). */
  frontProxyCaCert: string;
  frontProxyClientCert: string;
  frontProxyClientKey: string;
  /** Secret that agents present to join (file `<data-dir>/token`). */
  joinToken: string;
  /** PEM private key (RSA 2048) that signs service account tokens, so they stay valid across restarts. */
  serviceAccountKey: string;
  tlsDir: string;
  tokenFile: string;
}

const CA_DAYS = 3650;
const LEAF_DAYS = 365;

/** Every name and address the API server may be reached by, for the serving certificate. */
export function servingAltNames(extra: readonly string[] = []): string[] {
  const names = new Set<string>([
    'localhost',
    '127.0.0.1',
    '::1',
    hostname(),
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
    ...extra,
  ]);
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (!a.internal && a.family === 'IPv4') names.add(a.address);
  }
  return [...names];
}

function writeSecret(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
}

/**
 * Loads the PKI under `<dataDir>/tls`, creating what is missing. The serving certificate is
 * re-issued when it lacks one of `altNames` (e.g. a new --tls-san).
 */
export function ensurePki(dataDir: string, options: { altNames?: readonly string[] } = {}): ClusterPki {
  const tlsDir = join(dataDir, 'tls');
  mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
  const file = (name: string): string => join(tlsDir, name);

  if (!existsSync(file('ca.crt')) || !existsSync(file('ca.key'))) {
    const keys = generateKeys();
    writeSecret(file('ca.key'), privateKeyPem(keys.privateKey));
    writeFileSync(file('ca.crt'), createCertificate({ subject: { commonName: 'k8ts-ca' }, keys, usage: 'ca', validDays: CA_DAYS }));
  }
  const caCert = readFileSync(file('ca.crt'), 'utf8');
  const issuer = { certificatePem: caCert, privateKey: loadPrivateKey(readFileSync(file('ca.key'), 'utf8')) };

  const altNames = options.altNames ?? servingAltNames();
  const wanted = [...altNames].sort().join(',');
  const altFile = file('serving.names');
  if (!existsSync(file('serving.crt')) || !existsSync(altFile) || readFileSync(altFile, 'utf8') !== wanted) {
    const keys = generateKeys();
    writeSecret(file('serving.key'), privateKeyPem(keys.privateKey));
    writeFileSync(
      file('serving.crt'),
      createCertificate({ subject: { commonName: 'kube-apiserver' }, keys, issuer, usage: 'server', altNames, validDays: LEAF_DAYS }),
    );
    writeFileSync(altFile, wanted);
  }
  if (!existsSync(file('admin.crt')) || !existsSync(file('admin.key'))) {
    const keys = generateKeys();
    writeSecret(file('admin.key'), privateKeyPem(keys.privateKey));
    writeFileSync(
      file('admin.crt'),
      createCertificate({
        subject: { commonName: 'kubernetes-admin', organizations: ['system:masters'] },
        keys,
        issuer,
        usage: 'client',
        validDays: LEAF_DAYS,
      }),
    );
  }
  const frontProxy = ensureFrontProxy(file);
  const serviceAccountKey = ensureServiceAccountSigningKey(tlsDir);
  const tokenFile = join(dataDir, 'token');
  if (!existsSync(tokenFile)) writeSecret(tokenFile, `${randomBytes(24).toString('hex')}\n`);

  return {
    caCert,
    servingCert: readFileSync(file('serving.crt'), 'utf8'),
    servingKey: readFileSync(file('serving.key'), 'utf8'),
    adminCert: readFileSync(file('admin.crt'), 'utf8'),
    adminKey: readFileSync(file('admin.key'), 'utf8'),
    ...frontProxy,
    joinToken: readFileSync(tokenFile, 'utf8').trim(),
    serviceAccountKey,
    tlsDir,
    tokenFile,
  };
}

/** The common name extension API servers allow (requestheader-allowed-names). */

function ensureFrontProxy(file: (name: string) => string): Pick<ClusterPki, 'frontProxyCaCert' | 'frontProxyClientCert' | 'frontProxyClientKey'> {
  if (!existsSync(file('front-proxy-ca.crt')) || !existsSync(file('front-proxy-ca.key'))) {
    const keys = generateKeys();
    writeSecret(file('front-proxy-ca.key'), privateKeyPem(keys.privateKey));
    writeFileSync(file('front-proxy-ca.crt'), createCertificate({ subject: { commonName: 'k8ts-front-proxy-ca' }, keys, usage: 'ca', validDays: CA_DAYS }));
    // A new CA invalidates any client certificate signed by the old one.
    if (existsSync(file('front-proxy-client.crt'))) unlinkSync(file('front-proxy-client.crt'));
  }
  const frontProxyCaCert = readFileSync(file('front-proxy-ca.crt'), 'utf8');
  if (!existsSync(file('front-proxy-client.crt')) || !existsSync(file('front-proxy-client.key'))) {
    const keys = generateKeys();
    const issuer = { certificatePem: frontProxyCaCert, privateKey: loadPrivateKey(readFileSync(file('front-proxy-ca.key'), 'utf8')) };
    writeSecret(file('front-proxy-client.key'), privateKeyPem(keys.privateKey));
    writeFileSync(
      file('front-proxy-client.crt'),
      createCertificate({ subject: { commonName: FRONT_PROXY_CLIENT_NAME }, keys, issuer, usage: 'client', validDays: LEAF_DAYS }),
    );
  }
  return {
    frontProxyCaCert,
    frontProxyClientCert: readFileSync(file('front-proxy-client.crt'), 'utf8'),
    frontProxyClientKey: readFileSync(file('front-proxy-client.key'), 'utf8'),
  };
}
