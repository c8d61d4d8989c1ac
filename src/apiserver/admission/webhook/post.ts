// One HTTPS POST of an AdmissionReview, with errors worded as Go's HTTP client words them
// (`Post "URL": dial tcp …: connect: connection refused`, `context deadline exceeded`), since
// Kubernetes passes them on to the client inside its "failed calling webhook" message.
import { request } from 'node:https';
import { isIP } from 'node:net';

export interface PostTarget {
  /** The URL Kubernetes names in errors (for a service: `https://<svc>.<ns>.svc:<port>/<path>`). */
  url: URL;
  /** How errors name the URL when not as `url` prints it (Go keeps an explicit :443, WHATWG URLs drop it). */
  shown?: string;
  /** Where to connect when not the URL's host (a service's endpoint address). */
  connect?: { host: string; port: number };
  /** PEM roots to verify the server with; the system's when absent. */
  ca?: string;
  /** The name the certificate must carry (a service's DNS name); the URL's host when absent. */
  serverName?: string;
}

/** Go's wording for node's connection errors. */
function describe(err: NodeJS.ErrnoException, host: string, port: number): string {
  const dial = `dial tcp ${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return `${dial}: connect: connection refused`;
    case 'EHOSTUNREACH':
      return `${dial}: connect: no route to host`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `dial tcp: lookup ${host}: no such host`;
    case 'ECONNRESET':
      return 'EOF';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `tls: failed to verify certificate: x509: ${err.message}`;
    default:
      return err.message;
  }
}

/**
 * POSTs `body` (JSON) and resolves with the parsed JSON answer. Rejects with an Error whose
 * message is `Post "URL": reason` for connection, TLS, timeout and HTTP-status failures.
 */
export function postJson(target: PostTarget, body: Buffer, timeoutMs: number): Promise<unknown> {
  const host = target.connect?.host ?? target.url.hostname.replace(/^\[|\]$/g, '');
  const port = target.connect?.port ?? (target.url.port ? Number(target.url.port) : 443);
  const serverName = target.serverName ?? target.url.hostname;
  const where = `Post ${JSON.stringify(target.shown ?? target.url.toString())}`;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (reason: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(new Error(`${where}: ${reason}`));
    };
    const req = request(
      {
        host,
        port,
        method: 'POST',
        path: `${target.url.pathname}${target.url.search}`,
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': body.length },
        ca: target.ca,
        // Node refuses an IP address as TLS server name; an IP is then checked against the certificate's IP SANs.
        ...(isIP(serverName) === 0 ? { servername: serverName } : {}),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => fail(err.message));
        res.on('end', () => {
          if (settled) return;
          const text = Buffer.concat(chunks).toString('utf8');
          const code = res.statusCode ?? 0;
          if (code < 200 || code > 299) {
            fail(code >= 500
              ? `an error on the server (${JSON.stringify(text.trim())}) has prevented the request from succeeding`
              : `the server responded with the status code ${code} but did not return more information`);
            return;
          }
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch (err) {
            fail(`couldn't decode the response: ${err instanceof Error ? err.message : String(err)}`);
            return;
          }
          settled = true;
          clearTimeout(timer);
          resolve(parsed);
        });
      },
    );
    const timer = setTimeout(() => fail('context deadline exceeded'), timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => fail(describe(err, host, port)));
    req.end(body);
  });
}
