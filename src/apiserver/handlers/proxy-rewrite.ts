// Rewriting what a proxied backend answers so that its links keep going through the proxy, as
// Kubernetes' proxy transport does: a `Location` header and the URL attributes of an HTML page
// that point at an absolute path on the backend (or on the host the client asked) get the
// proxy prefix (`/api/v1/namespaces/ns/services/web/proxy`) put in front; relative links and
// links to other hosts are left alone.
// Deviation: Kubernetes re-serializes every tag it parses; k8ts changes only the attribute
// values it rewrites and leaves the rest of the page byte for byte.
import { deflateRawSync, deflateSync, gunzipSync, gzipSync, inflateRawSync, inflateSync } from 'node:zlib';

export interface RewriteContext {
  /** The request path up to and including its `proxy` segment. */
  prefix: string;
  /** `host:port` of the backend the request went to. */
  backendHost: string;
  /** The Host header the client sent to the API server. */
  requestHost: string;
}

const URL_PARTS = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)([\s\S]*)$/;

/** One URL as the proxy hands it back: with the proxy prefix when it pointed at the backend. */
export function rewriteUrl(target: string, c: RewriteContext): string {
  const m = URL_PARTS.exec(target);
  if (!m) return target;
  const scheme = m[1];
  const host = m[2];
  const path = m[3] ?? '';
  const tail = m[4] ?? '';
  const differentHost = host !== undefined && host !== '' && host !== c.backendHost && host !== c.requestHost;
  if (differentHost || !path.startsWith('/')) return target;
  // A link to the host the client asked keeps its scheme and host; one to the backend loses them.
  const keepOrigin = host !== undefined && host === c.requestHost;
  const origin = keepOrigin ? `${scheme !== undefined ? `${scheme}:` : ''}//${host}` : '';
  if (path.startsWith(c.prefix)) return `${origin}${path}${tail}`;
  let joined = cleanPath(`${c.prefix}/${path}`);
  if (path.endsWith('/') && !joined.endsWith('/')) joined += '/';
  return `${origin}${joined}${tail}`;
}

/** Go's path.Clean for absolute paths: no empty, `.` or `..` segments, no trailing slash. */
function cleanPath(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return `/${out.join('/')}`;
}

/** Which attributes of which tags hold URLs (the list Kubernetes' proxy rewrites). */
const URL_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  a: ['href'],
  applet: ['codebase'],
  area: ['href'],
  audio: ['src'],
  base: ['href'],
  blockquote: ['cite'],
  body: ['background'],
  button: ['formaction'],
  command: ['icon'],
  del: ['cite'],
  embed: ['src'],
  form: ['action'],
  frame: ['longdesc', 'src'],
  head: ['profile'],
  html: ['manifest'],
  iframe: ['longdesc', 'src'],
  img: ['longdesc', 'src', 'usemap'],
  input: ['src', 'usemap', 'formaction'],
  ins: ['cite'],
  link: ['href'],
  object: ['classid', 'codebase', 'data', 'usemap'],
  q: ['cite'],
  script: ['src'],
  source: ['src'],
  video: ['poster', 'src'],
};

const ATTRIBUTE = /([^\s"'>/=]+)(\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

/** The page with the URL attributes of its start tags rewritten; comments and script bodies are skipped. */
export function rewriteHtml(html: string, c: RewriteContext): string {
  let out = '';
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) break;
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      const stop = end < 0 ? html.length : end + 3;
      out += html.slice(i, stop);
      i = stop;
      continue;
    }
    const name = /^<([a-zA-Z][a-zA-Z0-9]*)/.exec(html.slice(lt, lt + 32))?.[1]?.toLowerCase();
    const close = name === undefined ? -1 : tagEnd(html, lt);
    if (name === undefined || close < 0) {
      out += html.slice(i, lt + 1);
      i = lt + 1;
      continue;
    }
    out += html.slice(i, lt);
    const tag = html.slice(lt, close + 1);
    const attributes = URL_ATTRIBUTES[name];
    out += attributes ? rewriteTag(tag, name.length + 1, attributes, c) : tag;
    i = close + 1;
    if (name === 'script' || name === 'style') {
      // Their text is not markup: copy it through to the closing tag.
      const endTag = html.toLowerCase().indexOf(`</${name}`, i);
      const stop = endTag < 0 ? html.length : endTag;
      out += html.slice(i, stop);
      i = stop;
    }
  }
  return out + html.slice(i);
}

/** The index of the `>` closing the tag at `start`, quotes respected; -1 when there is none. */
function tagEnd(html: string, start: number): number {
  let quote = '';
  for (let j = start + 1; j < html.length; j++) {
    const ch = html[j];
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '>') return j;
  }
  return -1;
}

function rewriteTag(tag: string, from: number, attributes: readonly string[], c: RewriteContext): string {
  const head = tag.slice(0, from);
  const body = tag.slice(from);
  return (
    head +
    body.replace(ATTRIBUTE, (whole: string, key: string, _assign: string | undefined, dq: string | undefined, sq: string | undefined, bare: string | undefined) => {
      const value = dq ?? sq ?? bare;
      if (value === undefined || !attributes.includes(key.toLowerCase())) return whole;
      const rewritten = rewriteUrl(value, c);
      if (rewritten === value) return whole;
      const quote = dq !== undefined ? '"' : sq !== undefined ? "'" : '"';
      return `${key}=${quote}${rewritten}${quote}`;
    })
  );
}

/**
 * An HTML answer's body rewritten, in its content encoding (none, gzip or deflate); undefined
 * when the encoding is another one or the body does not decode, and the page passes unchanged.
 */
export function rewriteHtmlBody(body: Buffer, encoding: string | undefined, c: RewriteContext): Buffer | undefined {
  const enc = (encoding ?? '').trim().toLowerCase();
  try {
    if (enc === '' || enc === 'identity') return Buffer.from(rewriteHtml(body.toString('utf8'), c), 'utf8');
    if (enc === 'gzip') return gzipSync(Buffer.from(rewriteHtml(gunzipSync(body).toString('utf8'), c), 'utf8'));
    if (enc === 'deflate') {
      // HTTP's deflate is zlib-wrapped; some servers send raw DEFLATE: answer in the same form.
      let raw = false;
      let text: string;
      try {
        text = inflateSync(body).toString('utf8');
      } catch {
        raw = true;
        text = inflateRawSync(body).toString('utf8');
      }
      const page = Buffer.from(rewriteHtml(text, c), 'utf8');
      return raw ? deflateRawSync(page) : deflateSync(page);
    }
  } catch {
    return undefined;
  }
  return undefined;
}
