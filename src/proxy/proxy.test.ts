// startProxy against a real API server: Services and EndpointSlices written through the API,
// backends on loopback standing in for pods (userspace mode) or in network namespaces
// (iptables mode, as root). Changes are awaited with deadlines, never with sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { startApiServer, type RunningApiServer } from '../apiserver/server.js';
import { createClient, type ApiClient } from '../client/client.js';
import { HttpTransport } from '../client/http.js';
import { createLogger } from '../log.js';
import { MemoryStorage } from '../storage/memory/memory.js';
import { startProxy } from './proxy.js';
import { canUseNetns, canUseNft, connectFrom, connectUntil, createTestNet, startNetnsServer } from './testing.js';
import { serviceLoopbackAddress } from './userspace.js';

const TOKEN = 'proxy-test-token';
const SERVICES = { group: '', version: 'v1', resource: 'services' };
const SLICES = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' };
const log = createLogger('test', { level: process.env['K8TS_LOG_LEVEL'] === 'debug' ? 'debug' : 'error' });

interface Api {
  client: ApiClient;
  close(): Promise<void>;
}

async function startApi(): Promise<Api> {
  const storage = new MemoryStorage();
  const server: RunningApiServer = await startApiServer({ storage, port: 0, tokens: new Map([[TOKEN, { username: 'admin', groups: ['system:masters'] }]]) });
  const client = createClient(new HttpTransport({ server: server.url, token: TOKEN }));
  return {
    client,
    close: async () => {
      client.close();
      await server.close();
      await storage.close();
    },
  };
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function slice(service: string, name: string, ip: string, port: number, protocol: 'TCP' | 'UDP' = 'TCP', nodeName = 'node-1'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [ip], conditions: { ready: true }, nodeName }],
    ports: [{ name: '', port, protocol }],
  };
}

/** A server on 127.0.0.1 that greets with its name, then echoes. */
async function backend(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => {
    s.write(`${name}\n`);
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Connects, returns the greeting line and the open socket. */
function greet(host: string, port: number): Promise<{ name: string; socket: Socket } | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let buf = '';
    const fail = (): void => {
      socket.destroy();
      resolve(undefined);
    };
    socket.setTimeout(1000, fail);
    socket.on('error', fail);
    socket.on('close', fail);
    socket.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        socket.removeAllListeners('data');
        socket.removeListener('close', fail);
        socket.setTimeout(0);
        resolve({ name: buf.slice(0, nl), socket });
      }
    });
  });
}

async function greetName(host: string, port: number): Promise<string | undefined> {
  const r = await greet(host, port);
  r?.socket.destroy();
  return r?.name;
}

function echo(socket: Socket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    socket.once('data', (d: Buffer) => resolve(d.toString()));
    socket.once('error', reject);
    socket.write(text);
  });
}

test('userspace mode: round robin, node port, draining, affinity, UDP and a servicelb LoadBalancer', async () => {
  const api = await startApi();
  const a = await backend('a');
  const b = await backend('b');
  const udp = createSocket('udp4');
  udp.on('message', (m, r) => udp.send(`pong ${m.toString()}`, r.port, r.address));
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  const stop = new AbortController();
  const proxy = await startProxy({ client: api.client, nodeName: 'node-1', mode: 'userspace', log, signal: stop.signal, nodePortAddress: '127.0.0.1', loadBalancerAddress: '127.0.0.1' });
  const services = api.client.resource<Service>(SERVICES, 'default');
  const slices = api.client.resource<EndpointSlice>(SLICES, 'default');
  try {
    await services.create({ metadata: { name: 'web' }, spec: { type: 'NodePort', clusterIP: '10.43.7.1', ports: [{ port: 18080, targetPort: 80, nodePort: 31980 }] } });
    await slices.create(slice('web', 'web-a', '127.0.0.1', a.port));
    await slices.create(slice('web', 'web-b', '127.0.0.1', b.port));
    const vip = serviceLoopbackAddress('10.43.7.1');
    assert.equal(vip, '127.43.7.1');

    // Round robin over both endpoints, on the cluster-IP stand-in and on the node port.
    await until(async () => ((await greetName(vip, 18080)) ? true : undefined), 'the service listener');
    await until(async () => {
      const names = new Set([await greetName(vip, 18080), await greetName(vip, 18080)]);
      return names.size === 2 && names.has('a') && names.has('b') ? true : undefined;
    }, 'both endpoints');
    assert.ok(['a', 'b'].includes((await greetName('127.0.0.1', 31980)) ?? ''), 'node port');

    // Draining: an open connection to b survives b's removal; new ones go to a only.
    const open = await until(async () => {
      const g = await greet(vip, 18080);
      if (g?.name === 'b') return g;
      g?.socket.destroy();
      return undefined;
    }, 'a connection to b');
    await slices.delete('web-b');
    await until(async () => {
      const names = [await greetName(vip, 18080), await greetName(vip, 18080), await greetName(vip, 18080)];
      return names.every((n) => n === 'a') ? true : undefined;
    }, 'b out of rotation');
    assert.equal(await echo(open.socket, 'still here'), 'still here');
    open.socket.destroy();

    // ClientIP affinity: with b back, every connection from this client sticks to one endpoint.
    await slices.create(slice('web', 'web-b', '127.0.0.1', b.port));
    await services.patch('web', 'merge', { spec: { sessionAffinity: 'ClientIP' } });
    await until(async () => {
      const names = new Set<string | undefined>();
      for (let i = 0; i < 6; i++) names.add(await greetName(vip, 18080));
      return names.size === 1 && !names.has(undefined) ? true : undefined;
    }, 'sticky connections');

    // UDP service.
    await services.create({ metadata: { name: 'dns' }, spec: { clusterIP: '10.43.7.2', ports: [{ port: 18053, protocol: 'UDP' }] } });
    await slices.create(slice('dns', 'dns-1', '127.0.0.1', (udp.address() as AddressInfo).port, 'UDP'));
    const reply = await until(() => udpAsk(serviceLoopbackAddress('10.43.7.2'), 18053, 'ping'), 'a UDP answer');
    assert.equal(reply, 'pong ping');

    // LoadBalancer: the proxy writes the node address into the status and listens there.
    await services.create({ metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', clusterIP: '10.43.7.3', ports: [{ port: 18443, nodePort: 31981 }] } });
    await slices.create(slice('lb', 'lb-1', '127.0.0.1', a.port));
    const lb = await until(async () => {
      const s = await services.get('lb');
      return s.status?.loadBalancer?.ingress?.length ? s : undefined;
    }, 'load balancer status');
    assert.deepEqual(lb.status?.loadBalancer?.ingress, [{ ip: '127.0.0.1' }]);
    await until(async () => ((await greetName('127.0.0.1', 18443)) === 'a' ? true : undefined), 'the load balancer port');

    // Deleting the service stops its listeners.
    await services.delete('web');
    await until(async () => ((await greetName(vip, 18080)) === undefined ? true : undefined), 'the listener to close');
    assert.ok(!proxy.frontends().some((f) => f.serviceId.startsWith('default/web')));
  } finally {
    await proxy.stop();
    a.server.close();
    b.server.close();
    udp.close();
    await api.close();
  }
});

function udpAsk(host: string, port: number, text: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const done = (v: string | undefined): void => {
      clearTimeout(timer);
      s.close();
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), 300);
    s.on('message', (m) => done(m.toString()));
    s.on('error', () => done(undefined));
    s.send(text, port, host);
  });
}

for (const [mode, subnet, skip] of [
  ['iptables', 13, canUseNetns() ? false : 'needs root, iproute2 and iptables'],
  ['nftables', 17, canUseNft() ? false : 'needs root, iproute2, iptables and nft'],
] as const) {
  test(`${mode} mode: services and slices from the API become DNAT rules in a network namespace`, { skip }, async () => {
    const api = await startApi();
    const net = await createTestNet({ tag: mode === 'iptables' ? 'pi' : 'pn', subnet, pods: 2 });
    const [client, pod] = net.pods;
    assert.ok(client && pod);
    const server = await startNetnsServer(pod.netns, pod.ip, 8080, 'pod');
    const stop = new AbortController();
    const proxy = await startProxy({
      client: api.client,
      nodeName: 'node-1',
      mode,
      netns: net.node,
      clusterCIDR: net.podCIDR,
      loadBalancerAddress: net.nodeIP,
      log,
      signal: stop.signal,
    });
    const services = api.client.resource<Service>(SERVICES, 'default');
    const slices = api.client.resource<EndpointSlice>(SLICES, 'default');
    try {
      await services.create({ metadata: { name: 'web' }, spec: { type: 'LoadBalancer', clusterIP: '10.43.8.1', ports: [{ port: 80, targetPort: 8080, nodePort: 31990 }] } });
      // No endpoints yet: rejected.
      assert.deepEqual(await connectUntil(client.netns, '10.43.8.1', 80, (r) => !r.ok && r.error === 'ECONNREFUSED'), { ok: false, error: 'ECONNREFUSED' });
      await slices.create(slice('web', 'web-1', pod.ip, 8080));
      assert.deepEqual(await connectUntil(client.netns, '10.43.8.1', 80, (r) => r.ok), { ok: true, data: `pod ${client.ip}` });
      assert.deepEqual(await connectFrom(client.netns, net.nodeIP, 31990), { ok: true, data: `pod ${net.nodeIP}` }, 'node port');
      await until(async () => ((await services.get('web')).status?.loadBalancer?.ingress?.[0]?.ip === net.nodeIP ? true : undefined), 'load balancer status');
      assert.deepEqual(await connectUntil(client.netns, net.nodeIP, 80, (r) => r.ok), { ok: true, data: `pod ${net.nodeIP}` }, 'load balancer address');

      await slices.delete('web-1');
      assert.deepEqual(await connectUntil(client.netns, '10.43.8.1', 80, (r) => !r.ok), { ok: false, error: 'ECONNREFUSED' });
    } finally {
      await proxy.stop();
      await server.close();
      await net.close();
      await api.close();
    }
  });
}
