#!/usr/bin/env node
// The `trent` command. Runs the compiled JavaScript in dist/ (`npm run build`; `npm ci` runs it)
// when it is there and newer than every file in src/; otherwise runs the TypeScript sources through
// tsx's loader, so a checkout being edited needs no build step (tsx costs ~0.5-1 s of start-up).
// TRENT_USE_TSX=1 forces the sources; TRENT_USE_DIST=1 forces dist/ if it was built (the benchmark
// builds once, then measures that build while the sources may change under it).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

function distIsFresh() {
  if (process.env.TRENT_USE_TSX === '1') return false;
  let builtAt;
  const force = process.env.TRENT_USE_DIST === '1';
  try {
    builtAt = JSON.parse(readFileSync(join(root, 'dist', '.built'), 'utf8')).startedAt;
  } catch {
    return false;
  }
  if (force) return true;
  const src = join(root, 'src');
  for (const f of readdirSync(src, { recursive: true, encoding: 'utf8' })) {
    if (f.endsWith('.test.ts')) continue;
    const s = statSync(join(src, f), { throwIfNoEntry: false });
    if (s !== undefined && s.isFile() && s.mtimeMs >= builtAt) return false;
  }
  return true;
}

if (distIsFresh()) {
  // The bundle (bin/build.js) when it was made, else the compiled modules.
  const bundled = statSync(join(root, 'dist', 'bundle', 'trent.mjs'), { throwIfNoEntry: false }) !== undefined;
  await import(bundled ? '../dist/bundle/trent.mjs' : '../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
