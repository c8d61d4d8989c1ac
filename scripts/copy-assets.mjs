#!/usr/bin/env node
// Copies the non-TypeScript files the compiled code loads at run time into dist/.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

const assets = ['kubelet/runtime/containerd/api.proto'];
for (const a of assets) {
  mkdirSync(dirname(`dist/${a}`), { recursive: true });
  copyFileSync(`src/${a}`, `dist/${a}`);
}
