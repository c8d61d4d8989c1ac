// /healthz, /livez, /readyz (with `?verbose` and per-check paths) and /version.
import type { ServerResponse } from 'node:http';
import { versionInfo } from '../../version.js';
import { sendBytes, sendJson } from '../http/respond.js';
import { notFoundPath } from '../http/respond.js';
import type { RequestUrl } from '../http/request-url.js';

export interface HealthCheck {
  name: string;
  check: () => Promise<void>;
}

export async function serveHealth(res: ServerResponse, url: RequestUrl, checks: readonly HealthCheck[]): Promise<void> {
  const [, root, only] = url.pathname.split('/');
  const selected = only ? checks.filter((c) => c.name === only) : checks;
  if (only && selected.length === 0) throw notFoundPath();
  const results = await Promise.all(
    selected.map(async (c) => {
      try {
        await c.check();
        return { name: c.name, ok: true, why: '' };
      } catch (err) {
        return { name: c.name, ok: false, why: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
  const ok = results.every((r) => r.ok);
  const verbose = url.searchParams.has('verbose');
  let body: string;
  if (only) body = ok ? 'ok' : `internal server error: ${results[0]?.why ?? ''}`;
  else if (verbose || !ok) {
    const lines = results.map((r) => (r.ok ? `[+]${r.name} ok` : `[-]${r.name} failed: reason withheld`));
    body = `${lines.join('\n')}\n${root ?? 'healthz'} check ${ok ? 'passed' : 'failed'}\n`;
  } else body = 'ok';
  sendBytes(res, ok ? 200 : 500, Buffer.from(body), 'text/plain; charset=utf-8');
}

export function serveVersion(res: ServerResponse): void {
  sendJson(res, 200, versionInfo());
}
