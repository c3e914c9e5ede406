#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm ci` runs it, with --if-possible): compiles src/ to dist/ with tsc, copies
// the non-TypeScript modules, bundles the server into dist/bundle/trent.mjs (esbuild; node_modules stay
// imports) and stamps dist/ so bin/trent.js can tell whether it is still fresh. bin/trent.js runs the
// bundle: loading one file instead of ~170 took start-to-ready from ~383 to ~344 ms (median of 5,
// three alternating runs; resolving and reading modules was the largest part of start-up).
// The stamp is taken before compiling: a source edited during the build leaves dist/ stale.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..');
const src = join(root, 'src');
const dist = join(root, 'dist');
// Compiled next to dist/ and swapped in at the end: a `trent` starting meanwhile sees the old build.
const next = join(root, 'dist.next');
const startedAt = Date.now();
rmSync(next, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', next], { stdio: 'inherit' });
if (r.status !== 0) {
  // tsc still emitted what it could, but a build with type errors is not used: remove it.
  rmSync(next, { recursive: true, force: true });
  rmSync(dist, { recursive: true, force: true });
  process.stderr.write('build: tsc failed; dist/ removed (bin/trent.js runs the sources through tsx)\n');
  // `prepare` (run by npm ci) passes --if-possible: Trent still runs, through tsx, only slower to start.
  process.exit(process.argv.includes('--if-possible') ? 0 : (r.status ?? 1));
}
for (const f of readdirSync(src, { recursive: true, encoding: 'utf8' })) {
  if (/\.(mjs|cjs|js|json)$/.test(f)) {
    mkdirSync(dirname(join(next, f)), { recursive: true });
    copyFileSync(join(src, f), join(next, f));
  }
}
// The bundle resolves `new URL('./sign-worker.mjs', import.meta.url)` next to itself: the signing
// thread's modules go beside it too.
try {
  const { build } = await import(pathToFileURL(createRequire(import.meta.url).resolve('esbuild')).href);
  // Splitting keeps the dynamic imports lazy (the PostgreSQL store, and with it `pg`, load only for --store postgres://).
  const out = join(next, 'bundle');
  await build({ entryPoints: { trent: join(src, 'cli', 'main.ts') }, outdir: out, outExtension: { '.js': '.mjs' }, splitting: true, bundle: true, packages: 'external', platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' });
  for (const f of ['sign-worker.mjs', 'ml-dsa-ops.mjs']) copyFileSync(join(src, 'crypto', f), join(out, f));
  // yaml (identities and seed files) as one file beside the bundle: ~12 ms to load instead of ~40
  // from its ~60 files in node_modules (src/shared/yaml.ts uses it when present).
  await build({ stdin: { contents: "module.exports = require('yaml');", resolveDir: root, loader: 'js' }, outfile: join(out, 'yaml.cjs'), bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' });
} catch (e) {
  // Without the bundle bin/trent.js runs dist/cli/main.js, as before.
  process.stderr.write(`build: no bundle (${e instanceof Error ? e.message : String(e)}); dist/cli/main.js serves\n`);
}
writeFileSync(join(next, '.built'), `${JSON.stringify({ startedAt })}\n`);
rmSync(dist, { recursive: true, force: true });
renameSync(next, dist);
process.stdout.write(`build: dist/ compiled from src/ in ${((Date.now() - startedAt) / 1000).toFixed(1)} s\n`);
