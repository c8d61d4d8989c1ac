// Client side of containerd's streaming server (the URLs returned by Exec, Attach and
// PortForward). It speaks Kubernetes' remote-command and port-forward protocols over SPDY/3.1
// (and over WebSocket, where protocol v4 cannot half-close stdin: SPDY can, so k8ts uses
// SPDY). After the HTTP upgrade the client opens one stream per channel: `streamtype` error
// first, then stdin/stdout/stderr/resize for commands, or an error+data pair per port.
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { SpdySession, type SpdyStream } from '../../../streaming/spdy/session.js';
import type { PortStream } from '../runtime.js';
import { BufferedStreamSession } from '../stream-session.js';

const SPDY_UPGRADE = 'SPDY/3.1';
export const REMOTE_COMMAND_PROTOCOL = 'v4.channel.k8s.io';
export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';

/** Upgrades a POST to `url` to a SPDY session speaking `protocol`. */
export function openSpdySession(url: string, protocol: string, timeoutMs: number): Promise<SpdySession> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({
      hostname: u.hostname,
      port: u.port,
      path: `${u.pathname}${u.search}`,
      method: 'POST',
      headers: { Connection: 'Upgrade', Upgrade: SPDY_UPGRADE, 'X-Stream-Protocol-Version': protocol },
      timeout: timeoutMs,
    });
    req.on('upgrade', (_res, socket: Socket, head: Buffer) => {
      socket.setTimeout(0);
      socket.setNoDelay(true);
      resolve(new SpdySession(socket, { role: 'client', head }));
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => reject(new Error(`the stream server answered ${res.statusCode ?? '?'}: ${body.trim()}`)));
    });
    req.on('timeout', () => req.destroy(new Error(`the stream server did not answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

const headers = (entries: Record<string, string>): Map<string, string[]> =>
  new Map(Object.entries(entries).map(([k, v]) => [k.toLowerCase(), [v]]));

function collect(stream: SpdyStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    stream.onData((d) => chunks.push(d));
    stream.onEnd(() => resolve(Buffer.concat(chunks)));
    stream.onClose(() => resolve(Buffer.concat(chunks)));
  });
}

export interface CommandStreams {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** The end of a remote command: the Status JSON from the error stream, if one came. */
export interface CommandEnd {
  status: unknown;
  closedByCaller: boolean;
}

/**
 * Opens a remote-command session. The returned session is not finished by this function:
 * `ended` resolves after all output was delivered, and the caller decides the exit code
 * (exec: from the Status; attach: from the container) and calls finish().
 */
export async function openCommandSession(
  url: string,
  wanted: CommandStreams,
  options: { timeoutMs: number },
): Promise<{ session: BufferedStreamSession; ended: Promise<CommandEnd> }> {
  const spdy = await openSpdySession(url, REMOTE_COMMAND_PROTOCOL, options.timeoutMs);
  let closedByCaller = false;
  try {
    const errorStream = await spdy.openStream(headers({ streamType: 'error' }));
    const errorText = collect(errorStream);
    const stdin = wanted.stdin ? await spdy.openStream(headers({ streamType: 'stdin' })) : undefined;
    const stdout = wanted.stdout ? await spdy.openStream(headers({ streamType: 'stdout' })) : undefined;
    const stderr = wanted.stderr && !wanted.tty ? await spdy.openStream(headers({ streamType: 'stderr' })) : undefined;
    const resize = wanted.tty ? await spdy.openStream(headers({ streamType: 'resize' })) : undefined;
    const session = new BufferedStreamSession({
      writeStdin: (d) => stdin?.write(d),
      closeStdin: () => stdin?.end(),
      resize: (width, height) => resize?.write(Buffer.from(`${JSON.stringify({ Width: width, Height: height })}\n`)),
      close: () => {
        closedByCaller = true;
        spdy.close();
      },
    });
    stdout?.onData((d) => session.emit('stdout', d));
    stderr?.onData((d) => session.emit('stderr', d));
    const ended = new Promise<CommandEnd>((resolve) => {
      spdy.onClose(() => {
        void errorText.then((text) => {
          let status: unknown;
          try {
            status = text.length > 0 ? JSON.parse(text.toString('utf8')) : undefined;
          } catch {
            status = { status: 'Failure', message: text.toString('utf8') };
          }
          resolve({ status, closedByCaller });
        });
      });
    });
    return { session, ended };
  } catch (err) {
    spdy.destroy();
    throw err;
  }
}

/** The exit code a v4 Status stands for: Success → 0, NonZeroExitCode → its code, else 1. */
export function exitCodeFromStatus(status: unknown): number | undefined {
  if (!status || typeof status !== 'object') return undefined;
  const s = status as { status?: unknown; reason?: unknown; details?: { causes?: { reason?: unknown; message?: unknown }[] } };
  if (s.status === 'Success') return 0;
  if (s.reason === 'NonZeroExitCode') {
    const cause = s.details?.causes?.find((c) => c.reason === 'ExitCode');
    const code = Number(cause?.message);
    if (Number.isInteger(code)) return code;
  }
  return 1;
}

/** One forwarded connection to `port` in the sandbox's network. */
export async function openPortStream(url: string, port: number, options: { timeoutMs: number }): Promise<PortStream> {
  const spdy = await openSpdySession(url, PORT_FORWARD_PROTOCOL, options.timeoutMs);
  try {
    const pair = { port: String(port), requestID: '0' };
    const errorStream = await spdy.openStream(headers({ streamType: 'error', ...pair }));
    const data = await spdy.openStream(headers({ streamType: 'data', ...pair }));
    // The error stream is write-only for the server; the client half-closes its side at once.
    errorStream.end();
    const listeners: ((d: Uint8Array) => void)[] = [];
    const held: Buffer[] = [];
    data.onData((d) => {
      if (listeners.length === 0) held.push(d);
      for (const l of listeners) l(d);
    });
    const closed = new Promise<void>((resolve) => {
      const done = (): void => {
        data.end();
        spdy.close();
        resolve();
      };
      data.onEnd(done);
      data.onClose(done);
      spdy.onClose(() => resolve());
    });
    return {
      write: (d) => data.write(d),
      end: () => data.end(),
      onData: (l) => {
        listeners.push(l);
        for (const d of held.splice(0)) l(d);
      },
      closed,
      close: () => spdy.close(),
    };
  } catch (err) {
    spdy.destroy();
    throw err;
  }
}
