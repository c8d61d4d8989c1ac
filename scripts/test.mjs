#!/usr/bin/env node
// The whole test suite: build, typecheck, lint, unit tests, then end-to-end tests.
// `--unit` or `--e2e` runs only that part (after the build). Extra arguments after `--`
// are test file filters (substrings of the path).
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const only = args.includes('--unit') ? 'unit' : args.includes('--e2e') ? 'e2e' : 'all';
const dash = args.indexOf('--');
const filters = dash >= 0 ? args.slice(dash + 1) : [];

function run(title, cmd, cmdArgs, env = {}) {
  console.log(`\n== ${title}: ${cmd} ${cmdArgs.length > 8 ? cmdArgs.slice(0, 8).join(' ') + ' …' : cmdArgs.join(' ')}`);
  const started = Date.now();
  const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit', env: { ...process.env, ...env } });
  console.log(`== ${title}: ${r.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out.sort();
}

const pick = (files) => (filters.length ? files.filter((f) => filters.some((x) => f.includes(x))) : files);

run('prerequisites', 'bash', ['scripts/install-deps.sh', '--for-tests']);
run('build', 'npm', ['run', 'build', '--silent']);
if (only === 'all') {
  run('typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
  run('lint', 'npx', ['eslint', 'src', 'bench', 'test', 'scripts']);
}
// Test runs stream their output and are counted, so the suite ends with one summary line.
// Every file has a time limit, so a hung test fails its file instead of stalling the run; the
// spec reporter then names the file, and its last reported test shows where it stopped.
const totals = { passed: 0, failed: 0, skipped: 0 };
function runTests(title, files, concurrency, fileTimeoutS) {
  if (!files.length) return Promise.resolve(0);
  const args = ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, `--test-timeout=${fileTimeoutS * 1000}`, ...files];
  console.log(`\n== ${title}: ${files.length} files`);
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let pending = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^ℹ (pass|fail|cancelled|skipped) (\d+)$/.exec(line);
        if (m) totals[m[1] === 'pass' ? 'passed' : m[1] === 'skipped' ? 'skipped' : 'failed'] += Number(m[2]);
      }
    });
    child.on('close', (code) => {
      console.log(`== ${title}: ${code === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      resolve(code ?? 1);
    });
  });
}

let failures = 0;
if (only !== 'e2e') failures += await runTests('unit tests', pick(findTests('src')), 2, 240);
if (only !== 'unit') failures += await runTests('e2e tests', pick(findTests('test')), 3, 600);
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exitCode = failures === 0 && totals.failed === 0 ? 0 : 1;
