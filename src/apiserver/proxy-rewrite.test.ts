import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync, gzipSync } from 'node:zlib';
import { rewriteHtml, rewriteHtmlBody, rewriteUrl } from './handlers/proxy-rewrite.js';

const c = { prefix: '/api/v1/namespaces/default/services/web/proxy', backendHost: '10.1.2.3:8080', requestHost: 'localhost:8001' };

test('absolute paths on the backend or the requested host get the proxy prefix; others stay', () => {
  assert.equal(rewriteUrl('/a/b?x=1#f', c), `${c.prefix}/a/b?x=1#f`);
  assert.equal(rewriteUrl('/a/', c), `${c.prefix}/a/`);
  assert.equal(rewriteUrl('http://10.1.2.3:8080/login', c), `${c.prefix}/login`);
  assert.equal(rewriteUrl('http://localhost:8001/login', c), `http://localhost:8001${c.prefix}/login`);
  assert.equal(rewriteUrl(`${c.prefix}/already`, c), `${c.prefix}/already`);
  for (const same of ['rel/x', '#top', 'https://example.com/a', '//cdn.example/x.js', 'mailto:a@b']) assert.equal(rewriteUrl(same, c), same);
});

test('HTML: URL attributes of known tags are rewritten, script text and comments are not', () => {
  const page = '<!-- <a href="/c"> --><A HREF=/x>x</A><form action="/post" method=post><script src="/s.js">var u = "<a href=\'/no\'>";</script><div data-href="/keep">';
  assert.equal(
    rewriteHtml(page, c),
    `<!-- <a href="/c"> --><A HREF="${c.prefix}/x">x</A><form action="${c.prefix}/post" method=post><script src="${c.prefix}/s.js">var u = "<a href='/no'>";</script><div data-href="/keep">`,
  );
  const zipped = rewriteHtmlBody(gzipSync('<a href="/z">'), 'gzip', c);
  assert.equal(gunzipSync(zipped ?? Buffer.alloc(0)).toString(), `<a href="${c.prefix}/z">`);
  assert.equal(rewriteHtmlBody(Buffer.from('<a href="/z">'), 'br', c), undefined, 'an encoding it cannot read passes unchanged');
});
