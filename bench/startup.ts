// How long `k8ts server` takes from process start to a served /readyz, on each datastore,
// against what users report for the alternatives (../shared/reference/anchors.md).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcd } from '../src/storage/etcd/etcd-process.js';

const root = new URL('../', import.meta.url).pathname;
const RUNS = 5;

function readyz(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const req = request({ host: u.hostname, port: u.port, path: '/readyz', rejectUnauthorized: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

async function startOnce(datastore: string, dataDir: string): Promise<{ ms: number; rssMiB: number }> {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [join(root, 'bin/k8ts.js'), 'server', '--data-dir', dataDir, '--port', '0', '--bind-address', '127.0.0.1', '--user-kubeconfig', 'none', '--datastore', datastore],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  try {
    for (;;) {
      const m = /listening on (https:\/\/\S+)/.exec(err);
      if (m?.[1] && (await readyz(m[1]))) break;
      if (child.exitCode !== null) throw new Error(`server exited: ${err}`);
      if (performance.now() - t0 > 30_000) throw new Error(`not ready after 30 s: ${err}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const ms = performance.now() - t0;
    const status = await import('node:fs/promises').then((fs) => fs.readFile(`/proc/${child.pid}/status`, 'utf8'));
    const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { ms, rssMiB: rssKiB / 1024 };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const etcd = await startEtcd();
  console.log(`k8ts server start → /readyz, ${RUNS} runs each (first run of sqlite makes the PKI)`);
  console.log('datastore        first (ms)  median (ms)  RSS (MiB)');
  try {
    for (const datastore of ['sqlite', 'memory', `etcd://${etcd.endpoint}`]) {
      const dir = mkdtempSync(join(tmpdir(), 'k8ts-bench-start-'));
      const times: number[] = [];
      let rss = 0;
      for (let i = 0; i < RUNS; i++) {
        const r = await startOnce(datastore, dir);
        times.push(r.ms);
        rss = r.rssMiB;
      }
      rmSync(dir, { recursive: true, force: true });
      const name = datastore.startsWith('etcd') ? 'etcd' : datastore;
      console.log(`${name.padEnd(16)} ${times[0]?.toFixed(0).padStart(10)}  ${median(times).toFixed(0).padStart(11)}  ${rss.toFixed(0).padStart(9)}`);
    }
  } finally {
    await etcd.stop();
  }
  console.log('reference (anchors.md): k3s ~50 s until default pods Ready; minikube / kind 40–100 s; k3s ~500 MB idle RSS');
}

await main();
