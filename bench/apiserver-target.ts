// A server process for bench/apiserver.ts: either the k8ts API server on a datastore, or a bare
// node:http server answering the same JSON bytes (the physical limit for this runtime).
// Prints `PORT <n>` once it listens.
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer } from '../src/apiserver/server.js';
import { openStorage } from '../src/storage/open.js';

export const BENCH_TOKEN = 'bench-token';
const [mode = 'sqlite', spec = 'sqlite'] = process.argv.slice(2);

if (mode === 'bare') {
  // Answers every GET with a fixed pod body of the same size as the API server's.
  const body = Buffer.from(process.env['BARE_BODY'] ?? '{}');
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    if (addr && typeof addr === 'object') console.log(`PORT ${addr.port}`);
  });
} else {
  const storage = await openStorage(spec, { dataDir: mkdtempSync(join(tmpdir(), 'k8ts-bench-api-')) });
  const server = await startApiServer({
    storage,
    port: 0,
    tokens: new Map([[BENCH_TOKEN, { username: 'bench', groups: ['system:masters'] }]]),
    // No serviceaccount controller runs here, so no `default` account would admit the pods.
    serviceAccountAdmission: false,
  });
  console.log(`PORT ${server.port}`);
}
