// Test support: the certificates an aggregated server meets (cluster CA → serving certificate;
// request-header CA → the API server's proxy client certificate), a metrics server started on
// them, and an HTTPS GET as the aggregator would send it. Only *.test.ts files import this.
import { request } from 'node:https';
import { createCertificate, generateKeys, loadPrivateKey, privateKeyPem } from '../pki/certificates.js';
import { issueServingCertificate, serviceDnsNames } from '../pki/aggregated-api.js';
import { createLogger } from '../log.js';
import { startMetricsServer, type MetricsServerOptions, type RunningMetricsServer } from './server.js';

export interface Ca {
  cert: string;
  keyPem: string;
}

export function makeCa(name: string): Ca {
  const keys = generateKeys();
  return { cert: createCertificate({ subject: { commonName: name }, keys, usage: 'ca', validDays: 1 }), keyPem: privateKeyPem(keys.privateKey) };
}

export function clientCert(ca: Ca, commonName: string): { cert: string; key: string } {
  const keys = generateKeys();
  const cert = createCertificate({ subject: { commonName }, keys, issuer: { certificatePem: ca.cert, privateKey: loadPrivateKey(ca.keyPem) }, usage: 'client', validDays: 1 });
  return { cert, key: privateKeyPem(keys.privateKey) };
}

export interface Pki {
  clusterCa: Ca;
  requestHeaderCa: Ca;
  proxyClient: { cert: string; key: string };
}

export function makePki(): Pki {
  const requestHeaderCa = makeCa('request-header-ca');
  return { clusterCa: makeCa('cluster-ca'), requestHeaderCa, proxyClient: clientCert(requestHeaderCa, 'front-proxy-client') };
}

export async function startTestMetricsServer(pki: Pki, o: Pick<MetricsServerOptions, 'summaries' | 'objects'> & Partial<MetricsServerOptions>): Promise<RunningMetricsServer> {
  const tls = issueServingCertificate({ caCert: pki.clusterCa.cert, caKeyPem: pki.clusterCa.keyPem, commonName: 'metrics-server', altNames: [...serviceDnsNames('kube-system', 'metrics-server'), '127.0.0.1'] });
  return startMetricsServer({
    host: '127.0.0.1',
    port: 0,
    tls,
    requestHeader: { clientCA: pki.requestHeaderCa.cert, allowedNames: ['front-proxy-client'] },
    scrapeLoop: false,
    log: createLogger('metrics-server-test', { level: 'error' }),
    ...o,
  });
}

export interface Got {
  status: number;
  body: Record<string, unknown> & { items?: Record<string, unknown>[] };
  text: string;
}

/** GET over TLS, verifying the server as `metrics-server.kube-system.svc` (what the aggregator checks). */
export function get(port: number, pki: Pki, path: string, o: { client?: { cert: string; key: string } | null; headers?: Record<string, string | string[]> } = {}): Promise<Got> {
  const client = o.client === undefined ? pki.proxyClient : o.client;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'GET',
        ca: pki.clusterCa.cert,
        servername: 'metrics-server.kube-system.svc',
        ...(client ? { cert: client.cert, key: client.key } : {}),
        headers: { 'X-Remote-User': 'alice', 'X-Remote-Group': ['devs', 'system:authenticated'], ...o.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: Got['body'] = {};
          try {
            body = JSON.parse(text) as Got['body'];
          } catch {
            // plain text (health paths)
          }
          resolve({ status: res.statusCode ?? 0, body, text });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}
