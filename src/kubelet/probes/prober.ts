// One probe attempt — exec (through the runtime), httpGet, tcpSocket or grpc health — with the
// result and the message Kubernetes' prober reports (`HTTP probe failed with statuscode: 500`,
// `dial tcp …: connect: connection refused`, …).
import { request as httpRequest } from 'node:http';
import { connect as http2Connect } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import type { Container, Probe } from 'kubernetes-types/core/v1.js';
import type { ContainerRuntime } from '../runtime/runtime.js';

export type ProbeOutcome = { result: 'success'; output: string } | { result: 'failure'; output: string };

export interface ProbeTarget {
  runtime: ContainerRuntime;
  containerId: string;
  container: Container;
  /** Where network probes connect: the pod IP, or the host for runtimes without pod networks. */
  host: string;
}

/** Named ports resolve against the container's ports. */
export function resolvePort(port: number | string | undefined, container: Container): number | undefined {
  if (typeof port === 'number') return port;
  if (port === undefined) return undefined;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

function dialError(host: string, port: number, err: unknown): string {
  const code = err instanceof Error && 'code' in err ? String(err.code) : '';
  if (code === 'ECONNREFUSED') return `dial tcp ${host}:${port}: connect: connection refused`;
  if (code === 'EHOSTUNREACH') return `dial tcp ${host}:${port}: connect: no route to host`;
  return `dial tcp ${host}:${port}: ${err instanceof Error ? err.message : String(err)}`;
}

export async function runProbe(probe: Probe, t: ProbeTarget): Promise<ProbeOutcome> {
  const timeoutMs = Math.max(1, probe.timeoutSeconds ?? 1) * 1000;
  if (probe.exec) {
    const cmd = probe.exec.command ?? [];
    try {
      const r = await t.runtime.execSync(t.containerId, cmd, timeoutMs);
      const output = Buffer.concat([Buffer.from(r.stdout), Buffer.from(r.stderr)]).toString('utf8');
      return r.exitCode === 0 ? { result: 'success', output } : { result: 'failure', output };
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (/time(d)? ?out/i.test(msg)) return { result: 'failure', output: `command ${JSON.stringify(cmd.join(' '))} timed out` };
      return { result: 'failure', output: msg };
    }
  }
  if (probe.httpGet) {
    const port = resolvePort(probe.httpGet.port, t.container);
    if (port === undefined) return { result: 'failure', output: `port ${String(probe.httpGet.port)} not found in container` };
    return httpProbe(probe.httpGet.scheme === 'HTTPS' ? 'https' : 'http', probe.httpGet.host || t.host, port, probe.httpGet.path ?? '/', probe.httpGet.httpHeaders ?? [], timeoutMs);
  }
  if (probe.tcpSocket) {
    const port = resolvePort(probe.tcpSocket.port, t.container);
    if (port === undefined) return { result: 'failure', output: `port ${String(probe.tcpSocket.port)} not found in container` };
    return tcpProbe(probe.tcpSocket.host || t.host, port, timeoutMs);
  }
  if (probe.grpc) return grpcProbe(t.host, probe.grpc.port, probe.grpc.service ?? '', timeoutMs);
  return { result: 'failure', output: 'missing probe handler' };
}

function httpProbe(scheme: 'http' | 'https', host: string, port: number, path: string, headers: { name: string; value: string }[], timeoutMs: number): Promise<ProbeOutcome> {
  const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${path.startsWith('/') ? path : `/${path}`}`;
  const hdrs: Record<string, string> = { 'user-agent': 'kube-probe/1.33', accept: '*/*' };
  for (const h of headers) hdrs[h.name.toLowerCase()] = h.value;
  return new Promise((resolve) => {
    const send = scheme === 'https' ? httpsRequest : httpRequest;
    const req = send(url, { method: 'GET', headers: hdrs, timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < 10 * 1024) chunks.push(c);
        size += c.length;
      });
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        const body = Buffer.concat(chunks).toString('utf8');
        if (code >= 200 && code < 400) resolve({ result: 'success', output: body });
        else resolve({ result: 'failure', output: `HTTP probe failed with statuscode: ${code}` });
      });
      res.on('error', (err) => resolve({ result: 'failure', output: String(err) }));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ result: 'failure', output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    req.on('error', (err) => resolve({ result: 'failure', output: `Get "${url}": ${dialError(host, port, err)}` }));
    req.end();
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const s = netConnect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ result: 'failure', output: `dial tcp ${host}:${port}: i/o timeout` });
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.destroy();
      resolve({ result: 'success', output: '' });
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      resolve({ result: 'failure', output: dialError(host, port, err) });
    });
  });
}

const GRPC_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

/** grpc.health.v1.Health/Check over HTTP/2 (h2c); HealthCheckRequest{service = 1}. */
function grpcProbe(host: string, port: number, service: string, timeoutMs: number): Promise<ProbeOutcome> {
  const svc = Buffer.from(service, 'utf8');
  const msg = svc.length > 0 ? Buffer.concat([Buffer.from([0x0a, svc.length]), svc]) : Buffer.alloc(0);
  const frame = Buffer.alloc(5 + msg.length);
  frame.writeUInt32BE(msg.length, 1);
  msg.copy(frame, 5);
  const target = `${host}:${port}`;
  return new Promise((resolve) => {
    const session = http2Connect(`http://${host.includes(':') ? `[${host}]` : host}:${port}`);
    const done = (o: ProbeOutcome): void => {
      clearTimeout(timer);
      session.destroy();
      resolve(o);
    };
    const timer = setTimeout(() => done({ result: 'failure', output: `timeout: health rpc did not complete within ${timeoutMs / 1000}s` }), timeoutMs);
    session.on('error', () => done({ result: 'failure', output: `timeout: failed to connect service "${target}" within ${timeoutMs / 1000}s` }));
    const req = session.request({ ':method': 'POST', ':path': '/grpc.health.v1.Health/Check', 'content-type': 'application/grpc', te: 'trailers' });
    const chunks: Buffer[] = [];
    let grpcStatus = '';
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('trailers', (t) => (grpcStatus = String(t['grpc-status'] ?? '')));
    req.on('response', (h) => {
      if (h['grpc-status'] !== undefined) grpcStatus = String(h['grpc-status']);
    });
    req.on('end', () => {
      if (grpcStatus !== '' && grpcStatus !== '0') return done({ result: 'failure', output: `rpc error: code = ${grpcStatus}` });
      const body = Buffer.concat(chunks).subarray(5);
      // HealthCheckResponse{status = 1 (enum)}; absent field = UNKNOWN (0).
      const status = body[0] === 0x08 ? (body[1] ?? 0) : 0;
      if (status === 1) return done({ result: 'success', output: '' });
      done({ result: 'failure', output: `service unhealthy (responded with "${GRPC_STATUS[status] ?? String(status)}")` });
    });
    req.on('error', (err) => done({ result: 'failure', output: String(err) }));
    req.end(frame);
  });
}
