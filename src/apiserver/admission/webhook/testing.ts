// Test support (only *.test.ts files import this): a local HTTPS webhook server with its own
// CA, whose answers each test scripts, and helpers to register configurations.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCertificate, generateKeys, privateKeyPem } from '../../../pki/certificates.js';
import { findResource } from '../../../api/resources.js';
import type { TestServer } from '../../testing.js';

export type Review = { request: Record<string, unknown> & { uid: string; object?: Record<string, unknown> | null } };

/** What the webhook answers: a response (uid filled in), or 'hang' to never answer. */
export type Answer = { allowed: boolean; status?: Record<string, unknown>; patch?: unknown[]; warnings?: string[] } | 'hang';

export interface WebhookServer {
  port: number;
  url(path: string): string;
  /** PEM of the CA that signed the serving certificate, base64 as caBundle wants it. */
  caBundle: string;
  /** Reviews received, by path. */
  received: Map<string, Review[]>;
  close(): Promise<void>;
}

/** The serving certificate names 127.0.0.1 and the service DNS name `hook.webhooks.svc`. */
export async function startWebhookServer(answer: (path: string, review: Review) => Answer, port = 0): Promise<WebhookServer> {
  const caKeys = generateKeys();
  const caPem = createCertificate({ subject: { commonName: 'webhook-test-ca' }, keys: caKeys, usage: 'ca', validDays: 1 });
  const keys = generateKeys();
  const cert = createCertificate({
    subject: { commonName: 'hook' },
    keys,
    issuer: { certificatePem: caPem, privateKey: caKeys.privateKey },
    usage: 'server',
    altNames: ['127.0.0.1', 'hook.webhooks.svc'],
    validDays: 1,
  });
  const received = new Map<string, Review[]>();
  const hanging = new Set<() => void>();
  const server: Server = createServer({ cert, key: privateKeyPem(keys.privateKey) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Review;
      const path = new URL(req.url ?? '/', 'https://x').pathname;
      received.set(path, [...(received.get(path) ?? []), review]);
      const a = answer(path, review);
      if (a === 'hang') {
        hanging.add(() => res.destroy());
        return;
      }
      const response: Record<string, unknown> = { uid: review.request.uid, allowed: a.allowed };
      if (a.status) response['status'] = a.status;
      if (a.patch) {
        response['patchType'] = 'JSONPatch';
        response['patch'] = Buffer.from(JSON.stringify(a.patch)).toString('base64');
      }
      if (a.warnings) response['warnings'] = a.warnings;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    url: (path) => `https://127.0.0.1:${bound}${path}`,
    caBundle: Buffer.from(caPem).toString('base64'),
    received,
    close: async () => {
      for (const h of hanging) h();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const CONFIG_PLURALS = { mutating: 'mutatingwebhookconfigurations', validating: 'validatingwebhookconfigurations' } as const;

/**
 * Creates a webhook configuration and waits (with a deadline) until admission sees it: the
 * configurations' watch cache has caught up with the write.
 */
export async function registerWebhooks(server: TestServer, kind: 'mutating' | 'validating', name: string, webhooks: Record<string, unknown>[]): Promise<void> {
  const plural = CONFIG_PLURALS[kind];
  const res = await server.req('POST', `/apis/admissionregistration.k8s.io/v1/${plural}`, {
    body: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: kind === 'mutating' ? 'MutatingWebhookConfiguration' : 'ValidatingWebhookConfiguration',
      metadata: { name },
      webhooks,
    },
  });
  if (res.status !== 201) throw new Error(`creating ${plural}/${name}: ${res.status} ${res.text}`);
  const rv = Number((res.json().metadata as { resourceVersion: string }).resourceVersion);
  const resource = findResource('admissionregistration.k8s.io', 'v1', plural);
  if (!resource) throw new Error(`no resource ${plural}`);
  const cache = server.registries.cache(resource);
  await cache.ready();
  const deadline = Date.now() + 5000;
  while (cache.revision < rv) {
    if (Date.now() > deadline) throw new Error(`${plural}/${name} not seen by the watch cache`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A webhook entry calling `url` for CREATE of configmaps, with overrides. */
export function hook(name: string, clientConfig: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    clientConfig,
    rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
    ...extra,
  };
}
