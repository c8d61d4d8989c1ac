#!/usr/bin/env node
// Entry point of the `k8ts` command: runs the compiled CLI. A command that fails exits at once,
// even if something it started (a child process, a timer) would keep the process alive.
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
    if (code !== 0) process.exit();
  },
  (err) => {
    console.error(`k8ts: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
