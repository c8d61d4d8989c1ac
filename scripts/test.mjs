#!/usr/bin/env node
// The whole test suite: build, typecheck, lint, unit tests, then end-to-end tests.
// `--unit` or `--e2e` runs only that part (after the build). Extra arguments after `--`
// are test file filters (substrings of the path).
import { spawnSync } from 'node:child_process';
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
run('build', 'npx', ['tsc', '-p', 'tsconfig.build.json']);
if (only === 'all') {
  run('typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
  run('lint', 'npx', ['eslint', 'src', 'bench', 'test', 'scripts']);
}
const nodeTest = ['--import', 'tsx', '--test', '--test-reporter=spec'];
if (only !== 'e2e') {
  const unit = pick(findTests('src'));
  if (unit.length) run('unit tests', process.execPath, [...nodeTest, '--test-concurrency=2', ...unit]);
}
if (only !== 'unit') {
  const e2e = pick(findTests('test'));
  if (e2e.length) run('e2e tests', process.execPath, [...nodeTest, '--test-concurrency=3', ...e2e]);
}
