// The API server process for bench/scheduler.ts: k8ts' API server on a fresh datastore
// (argument: sqlite | memory | etcd://…, default sqlite). Prints `PORT <n>` once it listens and
// exits cleanly on SIGTERM or when stdin closes (so `--cpu-prof` profiles get written).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer } from '../src/apiserver/server.js';
import { openStorage } from '../src/storage/open.js';

const [spec = 'sqlite', token = 'bench-token'] = process.argv.slice(2);
const dataDir = mkdtempSync(join(tmpdir(), 'k8ts-bench-scheduler-'));
const storage = await openStorage(spec, { dataDir });
// No serviceaccount controller runs here, so no `default` account would admit the pods.
const server = await startApiServer({
  storage,
  port: 0,
  tokens: new Map([[token, { username: 'bench', groups: ['system:masters'] }]]),
  serviceAccountAdmission: false,
});
console.log(`PORT ${server.port}`);

let closing = false;
async function shutdown(): Promise<void> {
  if (closing) return;
  closing = true;
  await server.close();
  await storage.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.stdin.on('end', () => void shutdown());
process.stdin.resume();
