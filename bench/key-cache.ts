/**
 * Should a node cache key rows? Encrypt throughput on PostgreSQL with no key cache (what Trent
 * does: one key-row read per request) against a cache validated by a per-key version check and
 * one invalidated by LISTEN/NOTIFY — ratios against the no-cache node in the same run — and
 * the correctness price: how often a node still encrypts under a key that another node has
 * already disabled (and acknowledged).
 *
 *   node --import tsx bench/key-cache.ts [--encrypts 4000] [--serial 800] [--rounds 3] [--connections 16] [--trials 50]
 *
 * Writes bench/results/key-cache.json. The variants live in bench/key-cache-node.ts.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dropTestDatabase, postgresUrlForTests } from '../test/support/postgres.ts';
import { ROOT, tempDir, TEST_ACCESS_KEY_ID, TEST_SECRET } from '../test/support/trent.ts';
import { KmsCallError, kmsCall, median, signedRequest } from './lib/call.ts';
import { runLoad, table } from './lib/load.ts';

process.env.TRENT_TEST_PG_FSYNC ??= 'on';
const { values } = parseArgs({ options: { encrypts: { type: 'string' }, serial: { type: 'string' }, rounds: { type: 'string' }, connections: { type: 'string' }, trials: { type: 'string' } } });
const flags = {
  encrypts: Number(values.encrypts ?? 4000),
  serial: Number(values.serial ?? 800),
  rounds: Number(values.rounds ?? 3),
  connections: Number(values.connections ?? 16),
  trials: Number(values.trials ?? 50),
};
const MODES = ['none', 'versioned', 'notify'] as const;
type Mode = (typeof MODES)[number];

interface Variant {
  mode: Mode;
  kill: () => Promise<void>;
  url: string;
  concurrent: number[];
  serial: number[];
  stale?: number;
}

async function startNode(mode: Mode, dataDir: string, storeUrl: string): Promise<Variant> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/key-cache-node.ts'), '--data-dir', dataDir, '--store', storeUrl, '--cache', mode, '--no-tls'], {
    cwd: ROOT,
    env: { ...process.env, TRENT_ROOT_ACCESS_KEY_ID: TEST_ACCESS_KEY_ID, TRENT_ROOT_SECRET_ACCESS_KEY: TEST_SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  const deadline = Date.now() + 30_000;
  while (!/^ready$/m.test(out)) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`key-cache node (${mode}) did not start: ${out}\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    mode,
    url: /listening on (\S+)/.exec(out)![1]!,
    concurrent: [],
    serial: [],
    kill: async () => {
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

const dirs: string[] = [];
const variants: Variant[] = [];
let db: string | undefined;
try {
  db = await postgresUrlForTests();
  if (db === undefined) throw new Error('PostgreSQL not available: set TRENT_TEST_PG_URL or install postgresql');
  for (const mode of MODES) {
    const dir = tempDir('trent-bench-cache-');
    if (dirs.length > 0) copyFileSync(join(dirs[0]!, 'root.key'), join(dir, 'root.key'));
    dirs.push(dir);
    variants.push(await startNode(mode, dir, db));
  }
  const [none] = variants as [Variant, Variant, Variant];
  const keyId = (await kmsCall<{ KeyMetadata: { KeyId: string } }>(none.url, 'CreateKey', {})).KeyMetadata.KeyId;
  const plaintext = Buffer.alloc(64, 7).toString('base64');
  const encrypt = (_i: number, node: URL) => signedRequest(node, 'Encrypt', { KeyId: keyId, Plaintext: plaintext });
  for (let r = 0; r < flags.rounds; r++) {
    for (const v of variants) {
      await runLoad({ url: v.url, connections: flags.connections, requests: 300, make: encrypt });
      v.concurrent.push((await runLoad({ url: v.url, connections: flags.connections, requests: flags.encrypts, make: encrypt })).rps);
      v.serial.push((await runLoad({ url: v.url, connections: 1, requests: flags.serial, make: encrypt })).rps);
    }
    process.stderr.write(`round ${r + 1}/${flags.rounds} done\n`);
  }

  // Correctness: A (the no-cache node) disables a key and answers; then B encrypts under it at once.
  for (const v of variants.slice(1)) {
    let stale = 0;
    for (let i = 0; i < flags.trials; i++) {
      const id = (await kmsCall<{ KeyMetadata: { KeyId: string } }>(none.url, 'CreateKey', {})).KeyMetadata.KeyId;
      await kmsCall(v.url, 'Encrypt', { KeyId: id, Plaintext: plaintext }); // B now has the row (cached, if it caches)
      await kmsCall(none.url, 'DisableKey', { KeyId: id });
      try {
        await kmsCall(v.url, 'Encrypt', { KeyId: id, Plaintext: plaintext });
        stale++;
      } catch (e) {
        if (!(e instanceof KmsCallError && e.type === 'DisabledException')) throw e;
      }
    }
    v.stale = stale;
  }

  const base = { concurrent: median(none.concurrent), serial: median(none.serial) };
  const rows = variants.map((v) => ({
    cache: v.mode,
    encryptPerSecond: median(v.concurrent),
    vsNoCache: median(v.concurrent) / base.concurrent,
    serialEncryptPerSecond: median(v.serial),
    serialVsNoCache: median(v.serial) / base.serial,
    staleEncryptsAfterDisable: v.mode === 'none' ? 0 : v.stale,
    rounds: { concurrent: v.concurrent, serial: v.serial },
  }));
  const out = process.stdout;
  out.write(`\nkey-cache: Encrypt on one PostgreSQL node (plain HTTP, loopback), median of ${flags.rounds} rounds: ${flags.encrypts} requests on ${flags.connections} connections, and ${flags.serial} one at a time\n\n`);
  out.write(
    table(
      rows.map((r) => ({
        cache: r.cache,
        'Encrypt/s': Math.round(r.encryptPerSecond),
        'vs none': r.vsNoCache,
        'serial/s': Math.round(r.serialEncryptPerSecond),
        'vs none ': r.serialVsNoCache,
        "Encrypt accepted right after another node's DisableKey": r.cache === 'none' ? 'never (reads the row)' : `${r.staleEncryptsAfterDisable} of ${flags.trials}`,
      })),
    ) + '\n',
  );
  const resultsDir = join(ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, 'key-cache.json');
  writeFileSync(file, JSON.stringify({ bench: 'key-cache', date: new Date().toISOString(), settings: flags, machine: { cpus: availableParallelism(), node: process.version }, results: rows }, null, 2) + '\n');
  out.write(`\nwrote ${file}\n`);
} finally {
  for (const v of variants) await v.kill();
  if (db !== undefined) await dropTestDatabase(db);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
process.exit(0);
