import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { createCertificate, generateKeys } from '../../pki/certificates.js';
import { createCsr } from '../../pki/csr.js';
import { startControllerHarness, type ControllerHarness } from '../testing.js';
import { csrApprovingController } from './approving.js';
import { KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER } from './node-csr.js';
import { csrSigningController } from './signing.js';

const CSRS = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests' };

function makeCa(): { caCert: string; caKey: ReturnType<typeof generateKeys>['privateKey'] } {
  const keys = generateKeys();
  return { caCert: createCertificate({ subject: { commonName: 'test-ca' }, keys, usage: 'ca', validDays: 3650 }), caKey: keys.privateKey };
}

interface Ask {
  name: string;
  signer: string;
  cn: string;
  o?: string[];
  dns?: string[];
  ips?: string[];
  usages: string[];
  username: string;
  groups: string[];
}

async function submit(h: ControllerHarness, a: Ask): Promise<void> {
  const request = createCsr({ commonName: a.cn, organizations: a.o ?? ['system:nodes'], dnsNames: a.dns, ipAddresses: a.ips, keys: generateKeys() });
  await h.client.resource<CertificateSigningRequest>(CSRS).create({
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name: a.name },
    // The API server fills username/groups from the requester; this harness authenticates
    // everyone as one admin, so the test states who asked.
    spec: { request: Buffer.from(request).toString('base64'), signerName: a.signer, usages: a.usages, username: a.username, groups: a.groups },
  });
}

async function waitForCsr(h: ControllerHarness, name: string, check: (c: CertificateSigningRequest) => boolean): Promise<CertificateSigningRequest> {
  const deadline = Date.now() + 5000;
  let last: CertificateSigningRequest | undefined;
  for (;;) {
    last = await h.client.resource<CertificateSigningRequest>(CSRS).get(name);
    if (check(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for csr ${name}: ${JSON.stringify(last.status)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const bootstrapper = { username: 'system:k8ts:node-joiner', groups: ['system:bootstrappers', 'system:authenticated'] };

test('kubelet client and serving requests from a bootstrapper are approved and signed by the CA', async () => {
  const ca = makeCa();
  const h = await startControllerHarness();
  try {
    h.start(csrApprovingController, csrSigningController(ca));
    await submit(h, { name: 'client', signer: KUBELET_CLIENT_SIGNER, cn: 'system:node:w1', usages: ['digital signature', 'client auth'], ...bootstrapper });
    await submit(h, { name: 'serving', signer: KUBELET_SERVING_SIGNER, cn: 'system:node:w1', dns: ['w1'], ips: ['10.0.0.9'], usages: ['digital signature', 'key encipherment', 'server auth'], ...bootstrapper });

    const client = await waitForCsr(h, 'client', (c) => Boolean(c.status?.certificate));
    const approved = client.status?.conditions?.find((c) => c.type === 'Approved');
    assert.equal(approved?.status, 'True');
    assert.equal(approved?.reason, 'AutoApproved');
    const cert = new X509Certificate(Buffer.from(client.status?.certificate ?? '', 'base64'));
    assert.equal(cert.checkIssued(new X509Certificate(ca.caCert)), true);
    assert.equal(cert.verify(new X509Certificate(ca.caCert).publicKey), true);
    assert.match(cert.subject, /CN=system:node:w1/);
    assert.match(cert.subject, /O=system:nodes/);
    const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
    assert.ok(days > 364 && days <= 366, `validity ${days} days`);
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);

    const serving = await waitForCsr(h, 'serving', (c) => Boolean(c.status?.certificate));
    const servingCert = new X509Certificate(Buffer.from(serving.status?.certificate ?? '', 'base64'));
    assert.equal(servingCert.checkIP('10.0.0.9'), '10.0.0.9');
    assert.equal(servingCert.checkHost('w1'), 'w1');
    assert.deepEqual(servingCert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  } finally {
    await h.close();
  }
});

test('requests outside the rules are left pending; a node may renew only its own', async () => {
  const h = await startControllerHarness();
  try {
    h.start(csrApprovingController);
    const node = { username: 'system:node:w1', groups: ['system:nodes', 'system:authenticated'] };
    await submit(h, { name: 'own', signer: KUBELET_CLIENT_SIGNER, cn: 'system:node:w1', usages: ['digital signature', 'client auth'], ...node });
    await submit(h, { name: 'other-node', signer: KUBELET_CLIENT_SIGNER, cn: 'system:node:w2', usages: ['client auth'], ...node });
    await submit(h, { name: 'not-a-node', signer: KUBELET_CLIENT_SIGNER, cn: 'admin', o: ['system:masters'], usages: ['client auth'], ...bootstrapper });
    await submit(h, { name: 'client-with-san', signer: KUBELET_CLIENT_SIGNER, cn: 'system:node:w1', dns: ['w1'], usages: ['client auth'], ...bootstrapper });
    await submit(h, { name: 'serving-no-san', signer: KUBELET_SERVING_SIGNER, cn: 'system:node:w1', usages: ['server auth'], ...bootstrapper });
    await submit(h, { name: 'extra-usage', signer: KUBELET_CLIENT_SIGNER, cn: 'system:node:w1', usages: ['client auth', 'server auth'], ...bootstrapper });
    await submit(h, { name: 'stranger', signer: KUBELET_CLIENT_SIGNER, cn: 'system:node:w1', usages: ['client auth'], username: 'bob', groups: ['system:authenticated'] });
    await submit(h, { name: 'other-signer', signer: 'example.com/custom', cn: 'system:node:w1', usages: ['client auth'], ...bootstrapper });

    await waitForCsr(h, 'own', (c) => c.status?.conditions?.some((x) => x.type === 'Approved') === true);
    // The approver works through a single queue in order; once the last request has been
    // looked at, a decision on any of them would be visible.
    await submit(h, { name: 'marker', signer: KUBELET_CLIENT_SIGNER, cn: 'system:node:m', usages: ['client auth'], ...bootstrapper });
    await waitForCsr(h, 'marker', (c) => c.status?.conditions?.some((x) => x.type === 'Approved') === true);
    for (const name of ['other-node', 'not-a-node', 'client-with-san', 'serving-no-san', 'extra-usage', 'stranger', 'other-signer']) {
      const csr = await h.client.resource<CertificateSigningRequest>(CSRS).get(name);
      assert.deepEqual(csr.status?.conditions ?? [], [], `${name} should stay pending`);
    }
  } finally {
    await h.close();
  }
});

test('an approved request that breaks the signer rules fails with SignerValidationFailure', async () => {
  const h = await startControllerHarness();
  try {
    h.start(csrSigningController(makeCa()));
    await submit(h, { name: 'bad', signer: KUBELET_SERVING_SIGNER, cn: 'system:node:w1', usages: ['server auth'], username: 'admin', groups: ['system:masters'] });
    const csrs = h.client.resource<CertificateSigningRequest>(CSRS);
    const csr = await csrs.get('bad');
    const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await csrs.updateStatus({ ...csr, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'ByHand', message: 'ok', lastUpdateTime: at }] } });
    const failed = await waitForCsr(h, 'bad', (c) => c.status?.conditions?.some((x) => x.type === 'Failed') === true);
    assert.equal(failed.status?.certificate, undefined);
    assert.equal(failed.status?.conditions?.find((x) => x.type === 'Failed')?.reason, 'SignerValidationFailure');
  } finally {
    await h.close();
  }
});
