#!/usr/bin/env node
// Entry point of the `k8ts` command: runs the compiled CLI.
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    console.error(`k8ts: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
