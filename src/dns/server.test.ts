import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createSocket } from 'node:dgram';
import { startTestServer, ADMIN_TOKEN, type TestServer } from '../apiserver/testing.js';
import { createClient } from '../client/client.js';
import { HttpTransport } from '../client/http.js';
import { createLogger } from '../log.js';
import { startDnsServer, type RunningDnsServer } from './server.js';
import { dig, startFakeUpstream, type FakeUpstream } from './testing.js';

let api: TestServer;
let dns: RunningDnsServer;
let upstream: FakeUpstream;
const stop = new AbortController();
let webIp = '';

async function post(path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await api.req('POST', path, { body });
  assert.equal(res.status, 201, res.text);
  return res.json();
}

function slice(name: string, service: string, endpoints: unknown[]): Record<string, unknown> {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints,
    ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
  };
}

before(async () => {
  api = await startTestServer({ advertiseAddress: '192.0.2.10' });
  const ns = '/api/v1/namespaces/default';
  const web = await post(`${ns}/services`, {
    metadata: { name: 'web' },
    spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }] },
  });
  webIp = (web['spec'] as { clusterIP: string }).clusterIP;
  await post(`${ns}/services`, { metadata: { name: 'db' }, spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'pg', port: 5432 }] } });
  await post(`${ns}/services`, { metadata: { name: 'empty' }, spec: { clusterIP: 'None', selector: { app: 'none' }, ports: [{ port: 1 }] } });
  await post(`${ns}/services`, { metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'example.org' } });
  await post('/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', slice('db-a', 'db', [
    { addresses: ['10.42.0.5'], hostname: 'db-0', conditions: { ready: true } },
    { addresses: ['10.42.0.7'], hostname: 'db-1' },
    { addresses: ['10.42.0.6'], conditions: { ready: false } },
  ]));
  await post(`${ns}/pods`, { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  const pod = (await api.req('GET', `${ns}/pods/p`)).json();
  const status = await api.req('PUT', `${ns}/pods/p/status`, { body: { ...pod, status: { phase: 'Running', podIP: '10.42.1.9', podIPs: [{ ip: '10.42.1.9' }] } } });
  assert.equal(status.status, 200, status.text);
  upstream = await startFakeUpstream({ 'example.org': '192.0.2.99' }, ['slow.example']);
  const client = createClient(new HttpTransport({ server: api.url, token: ADMIN_TOKEN }));
  dns = await startDnsServer({
    client,
    host: '127.0.0.1',
    port: 0,
    clusterDomain: 'cluster.local',
    upstream: [upstream.address],
    upstreamTimeoutMs: 300,
    log: createLogger('dns', { level: 'error' }),
    signal: stop.signal,
  });
});

after(async () => {
  stop.abort();
  await dns.stop();
  await upstream.close();
  await api.close();
});

test('A for a ClusterIP service, authoritative with a 5 s TTL, over UDP and TCP', async () => {
  for (const transport of ['+notcp', '+tcp']) {
    const r = await dig(dns.port, [transport, 'web.default.svc.cluster.local', 'A']);
    assert.equal(r.status, 'NOERROR');
    assert.ok(r.flags.includes('aa'), r.flags.join(' '));
    assert.deepEqual(r.answers, [['web.default.svc.cluster.local.', '5', 'IN', 'A', webIp]]);
  }
  const k = await dig(dns.port, ['kubernetes.default.svc.cluster.local', 'A']);
  assert.deepEqual(k.answers.map((a) => a[4]), ['10.43.0.1']);
});

test('AAAA for an IPv4 service is NODATA; a missing service is NXDOMAIN; both carry the SOA', async () => {
  const nodata = await dig(dns.port, ['web.default.svc.cluster.local', 'AAAA']);
  assert.equal(nodata.status, 'NOERROR');
  assert.deepEqual(nodata.answers, []);
  assert.equal(nodata.authority[0]?.[3], 'SOA');
  const missing = await dig(dns.port, ['nope.default.svc.cluster.local', 'A']);
  assert.equal(missing.status, 'NXDOMAIN');
  assert.equal(missing.authority[0]?.[3], 'SOA');
  assert.equal((await dig(dns.port, ['web.nowhere.svc.cluster.local'])).status, 'NXDOMAIN');
  // A search-path expansion of an outside name stays inside the zone and fails fast.
  assert.equal((await dig(dns.port, ['example.org.default.svc.cluster.local'])).status, 'NXDOMAIN');
  // The namespace itself exists (it holds services) without records.
  assert.equal((await dig(dns.port, ['default.svc.cluster.local'])).status, 'NOERROR');
});

test('SRV for named ports', async () => {
  const r = await dig(dns.port, ['_http._tcp.web.default.svc.cluster.local', 'SRV']);
  assert.equal(r.status, 'NOERROR');
  assert.deepEqual(r.answers, [['_http._tcp.web.default.svc.cluster.local.', '5', 'IN', 'SRV', '0', '100', '80', 'web.default.svc.cluster.local.']]);
  const udp = await dig(dns.port, ['_dns._udp.web.default.svc.cluster.local', 'SRV']);
  assert.deepEqual(udp.answers.map((a) => a[6]), ['53']);
  assert.equal((await dig(dns.port, ['_http._udp.web.default.svc.cluster.local', 'SRV'])).status, 'NXDOMAIN');
  const headless = await dig(dns.port, ['_pg._tcp.db.default.svc.cluster.local', 'SRV']);
  assert.deepEqual(headless.answers.map((a) => a.slice(6)), [['5432', 'db-0.db.default.svc.cluster.local.'], ['5432', 'db-1.db.default.svc.cluster.local.']]);
});

test('headless services answer with ready endpoints; StatefulSet hostnames resolve', async () => {
  const r = await dig(dns.port, ['db.default.svc.cluster.local', 'A']);
  assert.deepEqual(r.answers.map((a) => a[4]).sort(), ['10.42.0.5', '10.42.0.7']);
  const host = await dig(dns.port, ['db-0.db.default.svc.cluster.local', 'A']);
  assert.deepEqual(host.answers.map((a) => a[4]), ['10.42.0.5']);
  assert.equal((await dig(dns.port, ['db-9.db.default.svc.cluster.local', 'A'])).status, 'NXDOMAIN');
  assert.equal((await dig(dns.port, ['empty.default.svc.cluster.local', 'A'])).status, 'NXDOMAIN');
});

test('endpoint changes reach DNS through the watch', async () => {
  await post('/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', slice('db-b', 'db', [{ addresses: ['10.42.0.8'], hostname: 'db-2' }]));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = await dig(dns.port, ['db-2.db.default.svc.cluster.local', 'A']);
    if (r.status === 'NOERROR') {
      assert.deepEqual(r.answers.map((a) => a[4]), ['10.42.0.8']);
      break;
    }
    assert.ok(Date.now() < deadline, 'the new endpoint never appeared');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
});

test('pod names, ExternalName CNAMEs and PTR for service IPs', async () => {
  assert.deepEqual((await dig(dns.port, ['10-42-1-9.default.pod.cluster.local', 'A'])).answers.map((a) => a[4]), ['10.42.1.9']);
  assert.equal((await dig(dns.port, ['10-42-1-10.default.pod.cluster.local', 'A'])).status, 'NXDOMAIN');
  const cname = await dig(dns.port, ['ext.default.svc.cluster.local', 'A']);
  assert.deepEqual(cname.answers[0]?.slice(3), ['CNAME', 'example.org.']);
  const ptr = await dig(dns.port, ['-x', webIp]);
  assert.deepEqual(ptr.answers.map((a) => a[4]), ['web.default.svc.cluster.local.']);
});

test('other names go upstream; an upstream that does not answer gives SERVFAIL', async () => {
  for (const transport of ['+notcp', '+tcp']) {
    const r = await dig(dns.port, [transport, 'example.org', 'A']);
    assert.equal(r.status, 'NOERROR');
    assert.deepEqual(r.answers.map((a) => a[4]), ['192.0.2.99']);
  }
  assert.equal((await dig(dns.port, ['missing.example', 'A'])).status, 'NXDOMAIN');
  assert.equal((await dig(dns.port, ['slow.example', 'A'])).status, 'SERVFAIL');
  assert.ok(upstream.seen.includes('slow.example'));
});

test('garbage gets FORMERR when it has a header, and no answer otherwise', async () => {
  const sock = createSocket('udp4');
  try {
    const reply = new Promise<Buffer>((resolve, reject) => {
      sock.once('message', resolve);
      setTimeout(() => reject(new Error('no reply within 5 s')), 5000).unref();
    });
    // A header claiming one question, then nothing.
    sock.send(Buffer.from([0x12, 0x34, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0]), dns.port, '127.0.0.1');
    const answer = await reply;
    assert.equal(answer.readUInt16BE(0), 0x1234);
    assert.equal(answer.readUInt16BE(2) & 0x800f, 0x8001);
  } finally {
    sock.close();
  }
});
