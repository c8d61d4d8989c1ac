// The key pair that signs service account tokens: `<data-dir>/tls/sa.key` (private, PKCS#8 PEM)
// and `sa.pub` (public, PKIX PEM, for relying parties that take the key from a file), made on
// first start and reused after, as kubeadm keeps its `sa.key`/`sa.pub`. RSA 2048 as kubeadm
// generates it; an ECDSA key put in its place works too (tokens are then ES256/384/512).
// A data dir from before RS256 tokens holds `service-account.key` (a hex HMAC key): it is
// left in place, unused, and the RSA key is made beside it.
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SIGNING_KEY_FILE = 'sa.key';
export const PUBLIC_KEY_FILE = 'sa.pub';

/** The signing key's PEM, creating the pair under `tlsDir` when missing. */
export function ensureServiceAccountSigningKey(tlsDir: string): string {
  const keyFile = join(tlsDir, SIGNING_KEY_FILE);
  if (!existsSync(keyFile)) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
  }
  const pem = readFileSync(keyFile, 'utf8');
  const pubFile = join(tlsDir, PUBLIC_KEY_FILE);
  if (!existsSync(pubFile)) {
    writeFileSync(pubFile, createPublicKey(createPrivateKey(pem)).export({ type: 'spki', format: 'pem' }).toString());
  }
  return pem;
}
