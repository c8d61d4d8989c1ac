// Getting the cluster CA before trusting anything: the agent opens a TLS connection without
// verification only to read the certificate chain the server presents, then accepts a CA
// certificate from it only if its hash is the one the join token pins. Servers that do not send
// their CA in the chain may serve it at GET /cacerts (k3s' endpoint), checked the same way.
// Nothing secret is sent before the CA is verified.
import { get as httpsGet } from 'node:https';
import { connect, type DetailedPeerCertificate } from 'node:tls';
import { isIP } from 'node:net';
import { toPem } from '../pki/pem.js';
import { caCertificateHash, pemBlocksOf, tokenMatchesCa, type JoinToken } from './join-token.js';

export class ClusterCaError extends Error {}

function endpoint(serverUrl: string): { host: string; port: number; servername: string | undefined } {
  const url = new URL(serverUrl);
  if (url.protocol !== 'https:') throw new ClusterCaError(`the server URL must be https://, not ${serverUrl}`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return { host, port: Number(url.port || 443), servername: isIP(host) ? undefined : host };
}

/** The PEM of every certificate the server presents, leaf first. */
export function presentedChain(serverUrl: string, timeoutMs: number): Promise<string[]> {
  const { host, port, servername } = endpoint(serverUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, servername, rejectUnauthorized: false }, () => {
      const chain: string[] = [];
      const seen = new Set<string>();
      for (let c: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true); c?.raw && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
        seen.add(c.fingerprint256);
        chain.push(toPem('CERTIFICATE', c.raw));
      }
      socket.end();
      resolve(chain);
    });
    socket.setTimeout(timeoutMs, () => socket.destroy(new ClusterCaError(`no TLS handshake with ${serverUrl} within ${timeoutMs} ms`)));
    socket.once('error', (err) => reject(new ClusterCaError(`cannot reach ${serverUrl}: ${err.message}`)));
  });
}

function cacertsEndpoint(serverUrl: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = httpsGet(new URL('/cacerts', serverUrl), { rejectUnauthorized: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(res.statusCode === 200 ? Buffer.concat(chunks).toString('utf8') : undefined));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/**
 * The cluster CA (PEM) of the server at `serverUrl`, verified against the token's pin. A bare
 * secret pins nothing: then the self-signed root of the presented chain is taken as it is
 * (trust on first use), which the caller should warn about.
 */
export async function fetchClusterCa(serverUrl: string, token: JoinToken, o: { timeoutMs?: number } = {}): Promise<string> {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const chain = await presentedChain(serverUrl, timeoutMs);
  const fromChain = token.caHash !== undefined ? chain.find((pem) => caCertificateHash(pem) === token.caHash) : chain.length > 1 ? chain[chain.length - 1] : undefined;
  if (fromChain) return fromChain;
  const served = await cacertsEndpoint(serverUrl, timeoutMs);
  if (served && pemBlocksOf(served, 'CERTIFICATE').length > 0) {
    if (tokenMatchesCa(token, served)) return served;
    throw new ClusterCaError(`the CA served by ${serverUrl} does not match the join token's CA hash: wrong server or wrong token`);
  }
  if (token.caHash !== undefined && chain.length > 1) {
    throw new ClusterCaError(`no certificate presented by ${serverUrl} matches the join token's CA hash: wrong server or wrong token`);
  }
  throw new ClusterCaError(`${serverUrl} presents no CA certificate (neither in its TLS chain nor at /cacerts)`);
}
