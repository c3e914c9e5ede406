/**
 * A PostgreSQL for tests. `TRENT_TEST_PG_URL` wins when set; otherwise, if the server binaries
 * are installed (`/usr/lib/postgresql/<v>/bin`), one throwaway cluster per test process is
 * started in a temp dir on a free loopback port and torn down when the process exits — on
 * success, failure, a signal, or (through a small watchdog) even SIGKILL.
 * Each call hands out a fresh, empty database.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';

export const POSTGRES_UNAVAILABLE = 'PostgreSQL not available: set TRENT_TEST_PG_URL or install postgresql';

/**
 * For a test file that needs PostgreSQL: a fresh database URL when one can be had; otherwise
 * undefined, after registering one test that skips saying why — or, with CI=true, fails, so a
 * missing database never passes as a green run of skipped tests.
 */
export async function postgresOrSkip(what: string): Promise<string | undefined> {
  const url = await postgresUrlForTests();
  if (url !== undefined) return url;
  if (process.env.CI === 'true') {
    test(`${what}: PostgreSQL is available (required when CI=true)`, () => {
      assert.fail(`${POSTGRES_UNAVAILABLE} (CI=true, so this fails instead of skipping)`);
    });
  } else {
    test(what, { skip: POSTGRES_UNAVAILABLE }, () => {});
  }
  return undefined;
}

interface Cluster {
  /** URL of the `postgres` database, used to create and drop the test databases. */
  adminUrl: string;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

let cluster: Promise<Cluster | undefined> | undefined;
/** Test database name → the admin URL of the server that holds it. */
const created = new Map<string, string>();

/** A URL to a fresh, empty database, or undefined when no PostgreSQL can be had. */
export async function postgresUrlForTests(): Promise<string | undefined> {
  const external = process.env.TRENT_TEST_PG_URL;
  if (external) return createDatabase(external, true);
  const c = await throwawayCluster();
  return c ? createDatabase(c.adminUrl, false) : undefined;
}

/**
 * The URL of a server tests may create databases on (`TRENT_TEST_PG_URL`, or this process's
 * throwaway cluster, which lives as long as this process), or undefined when none can be had.
 * The test runner hands it to every test process as TRENT_TEST_PG_URL, so they share one cluster.
 */
export async function postgresServerForTests(): Promise<string | undefined> {
  const external = process.env.TRENT_TEST_PG_URL;
  if (external) return external;
  return (await throwawayCluster())?.adminUrl;
}

function throwawayCluster(): Promise<Cluster | undefined> {
  cluster ??= startCluster().catch((e: unknown) => {
    process.stderr.write(`test/support/postgres: could not start a throwaway PostgreSQL: ${(e as Error).message}\n`);
    return undefined;
  });
  return cluster;
}

/** Drops a database handed out by postgresUrlForTests (close every store on it first). */
export async function dropTestDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const admin = created.get(name);
  if (!admin) return;
  created.delete(name);
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await c.end();
  }
}

async function createDatabase(adminUrl: string, external: boolean): Promise<string> {
  const name = `trent_${randomBytes(6).toString('hex')}`;
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } catch (e) {
    // A server we were pointed at may not let us create databases: use the one we were given
    // (the conformance suite keeps each test in its own random account, so sharing is safe).
    if (external && (e as { code?: string }).code === '42501') return adminUrl;
    throw e;
  } finally {
    await c.end();
  }
  created.set(name, adminUrl);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

function findBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

/** PostgreSQL refuses to run as root: run its tools as the `postgres` user then. */
function runAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return {};
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function startCluster(): Promise<Cluster | undefined> {
  const bin = findBinDir();
  const user = bin ? runAs() : undefined;
  if (!bin || !user) return undefined;

  const dir = mkdtempSync(join(tmpdir(), 'trent-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid!);
  const run = (tool: string, args: string[], timeout = 60_000) =>
    execFileSync(join(bin, tool), args, { ...user, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], timeout, env: { ...process.env, LC_ALL: 'C' } });

  const stop = () => {
    // The lock file exists while a postmaster runs on this directory, even one whose start timed out.
    if (existsSync(join(data, 'postmaster.pid'))) {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'], 30_000);
      } catch {
        // Already gone: nothing to stop.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  registerExitCleanup(stop);

  try {
    run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        // -c fsync=off: a throwaway cluster needs no durability, and tests run faster without it.
        // Benchmarks set TRENT_TEST_PG_FSYNC=on to compare against SQLite's synchronous=FULL fairly.
        const fsync = process.env.TRENT_TEST_PG_FSYNC === 'on' ? 'on' : 'off';
        run('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', '-o', `-k ${dir} -h 127.0.0.1 -p ${port} -c fsync=${fsync} -c max_connections=200`, 'start']);
        break;
      } catch (e) {
        // Another process may have taken the port between our probe and the server's bind.
        if (attempt >= 3) throw e;
      }
    }
    startWatchdog(data, dir);
    return { adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres` };
  } catch (e) {
    const detail = (e as { stderr?: Buffer }).stderr?.toString().trim();
    const serverLog = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
    stop();
    throw new Error([(e as Error).message, detail, serverLog].filter(Boolean).join('\n'));
  }
}

/** Stops the cluster however this process ends, short of SIGKILL (the watchdog covers that). */
function registerExitCleanup(stop: () => void): void {
  process.once('exit', stop);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      stop();
      // Nobody else handles it: die of the signal as we would have without this handler.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    });
  }
}

/**
 * A detached shell that waits for this process to disappear, then kills the postmaster
 * (SIGQUIT = immediate shutdown) and removes the directory. After a normal exit it finds
 * nothing left to do.
 */
function startWatchdog(data: string, dir: string): void {
  const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const script = [
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done`,
    `if kill -0 ${postmaster} 2>/dev/null && [ -e '${data}/postmaster.pid' ]; then kill -QUIT ${postmaster}; fi`,
    `i=0; while kill -0 ${postmaster} 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done`,
    `rm -rf '${dir}'`,
  ].join('\n');
  spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'ignore' }).unref();
}
