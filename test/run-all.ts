/**
 * `npm test`: every `*.test.ts` under src/ and test/ with Node's runner (Node 20 has no globs),
 * then the end-to-end suite a second time against PostgreSQL (TRENT_TEST_STORE=postgres).
 *
 * One PostgreSQL serves both passes: TRENT_TEST_PG_URL when set, else a throwaway cluster this
 * process starts (and stops when it exits), handed to every test process as TRENT_TEST_PG_URL —
 * each test still gets its own fresh database, and no file pays for starting a cluster.
 * Without PostgreSQL the second pass is skipped with a message; with CI=true that is a failure.
 *
 * Extra arguments go to both `node --test` runs (e.g. `npm test -- --test-name-pattern=alias`).
 *
 * TRENT_TEST_SET narrows the run (package.json's scripts set it):
 * - `unit`: the tests beside the code in src/ (in process; no end-to-end pass on PostgreSQL):
 *   `npm run test:unit`;
 * - `e2e`: the suites that drive a live Trent through its clients (test/e2e/, test/security/),
 *   then test/e2e/ again on PostgreSQL: `npm run test:e2e`;
 * - unset or `all`: everything (`npm test`, what CI runs).
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { POSTGRES_UNAVAILABLE, postgresServerForTests } from './support/postgres.ts';

const ROOT = join(import.meta.dirname, '..');

/** End-to-end files that choose their store themselves (TRENT_TEST_STORE changes nothing in them): the second pass would only repeat them. */
const OWN_STORE = new Set(['test/e2e/multi-node.test.ts', 'test/e2e/store-outage.test.ts', 'test/e2e/rotation-processes.test.ts']);

function testFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
    .map((e) => relative(ROOT, join(e.parentPath ?? e.path, e.name)))
    .filter((f) => !f.split('/').includes('node_modules'));
}

function runNodeTests(label: string, files: string[], env: NodeJS.ProcessEnv): Promise<number> {
  process.stdout.write(`# ${label}: ${files.length} files\n`);
  const args = ['--import', 'tsx', '--test', '--test-concurrency=1', ...process.argv.slice(2), ...files];
  return new Promise((resolve) => {
    const p = spawn(process.execPath, args, { cwd: ROOT, env, stdio: 'inherit' });
    p.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const SETS = {
  all: () => [...testFiles('src'), ...testFiles('test')],
  unit: () => testFiles('src'),
  e2e: () => [...testFiles('test/e2e'), ...testFiles('test/security')],
} as const;
const set = process.env.TRENT_TEST_SET || 'all';
if (!Object.hasOwn(SETS, set)) throw new Error(`TRENT_TEST_SET must be one of ${Object.keys(SETS).join(', ')}, got ${set}`);
const all = SETS[set as keyof typeof SETS]().sort();
const e2e = all.filter((f) => f.startsWith('test/e2e/') && !OWN_STORE.has(f));

const started = Date.now();
const pgUrl = await postgresServerForTests();
const env: NodeJS.ProcessEnv = { ...process.env, ...(pgUrl !== undefined ? { TRENT_TEST_PG_URL: pgUrl } : {}) };
delete env.TRENT_TEST_STORE;

const failures: string[] = [];
if ((await runNodeTests(`${set === 'all' ? 'all tests' : `the ${set} tests`}${e2e.length ? ' (end-to-end on SQLite)' : ''}`, all, env)) !== 0) failures.push('all tests');

if (e2e.length === 0) {
  // Nothing of the end-to-end suite in this set: no second pass to run or skip.
} else if (pgUrl === undefined) {
  if (process.env.CI === 'true') {
    process.stdout.write(`not ok - end-to-end suite on PostgreSQL: ${POSTGRES_UNAVAILABLE} (CI=true, so this fails instead of skipping)\n`);
    failures.push('end-to-end on PostgreSQL (no PostgreSQL)');
  } else {
    process.stdout.write(`# SKIP end-to-end suite on PostgreSQL: ${POSTGRES_UNAVAILABLE}\n`);
  }
} else if ((await runNodeTests('end-to-end suite on PostgreSQL (TRENT_TEST_STORE=postgres)', e2e, { ...env, TRENT_TEST_STORE: 'postgres' })) !== 0) {
  failures.push('end-to-end on PostgreSQL');
}

const seconds = ((Date.now() - started) / 1000).toFixed(0);
process.stdout.write(failures.length ? `# FAILED: ${failures.join(', ')} (${seconds} s)\n` : `# all passes green (${seconds} s)\n`);
// Exit through process.exit so the throwaway cluster's exit hook stops it.
process.exit(failures.length ? 1 : 0);
