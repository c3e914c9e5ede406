/**
 * Encrypt and CreateKey throughput on PostgreSQL as a ratio to SQLite (the same-run baseline),
 * and two nodes against one on the same database. Every Trent is a child process (`trent serve`,
 * HTTPS as users run it) on loopback; the load is a bounded number of signed requests from a
 * closed loop of `--concurrency` workers, spread round-robin over a configuration's nodes.
 * Configurations are interleaved round by round and the median round is reported.
 *
 *   node --import tsx bench/store-compare.ts [--encrypts 3000] [--creates 400] [--rounds 3] [--concurrency 16]
 *
 * PostgreSQL: TRENT_TEST_PG_URL, else a throwaway cluster started with fsync=on so that it pays
 * for durability as SQLite (synchronous=FULL) does. Writes bench/results/store-compare.json.
 */
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { dropTestDatabase, postgresUrlForTests } from '../test/support/postgres.ts';
import { ROOT, spawnTrent, tempDir, type ChildTrent } from '../test/support/trent.ts';
import { intFlags, KmsJsonClient, median, runLoad } from './load.ts';

process.env.TRENT_TEST_PG_FSYNC ??= 'on';
const flags = intFlags({ encrypts: 3000, creates: 400, rounds: 3, concurrency: 16 });

interface Config {
  name: string;
  nodes: ChildTrent[];
  clients: KmsJsonClient[];
  encrypt: number[];
  createKey: number[];
}

const dirs: string[] = [];
const databases: string[] = [];
const configs: Config[] = [];

async function startConfig(name: string, nodeCount: number, storeUrl?: string): Promise<Config> {
  const nodes: ChildTrent[] = [];
  for (let i = 0; i < nodeCount; i++) {
    const dir = tempDir('trent-bench-');
    dirs.push(dir);
    // Every node on one store has the same root key (README: "Several nodes on PostgreSQL").
    if (i > 0) copyFileSync(join(dirs[dirs.length - 2]!, 'root.key'), join(dir, 'root.key'));
    nodes.push(await spawnTrent(['--data-dir', dir, ...(storeUrl ? ['--store', storeUrl] : [])]));
  }
  const c: Config = { name, nodes, clients: nodes.map((n) => new KmsJsonClient(n)), encrypt: [], createKey: [] };
  configs.push(c);
  return c;
}

async function measure(c: Config): Promise<void> {
  const n = c.clients.length;
  const { KeyMetadata } = await c.clients[0]!.send<{ KeyMetadata: { KeyId: string } }>('CreateKey', {});
  const plaintext = Buffer.alloc(64, 7).toString('base64');
  const encrypt = (i: number) => c.clients[i % n]!.send('Encrypt', { KeyId: KeyMetadata.KeyId, Plaintext: plaintext });
  await runLoad(200, flags.concurrency, encrypt); // warm: connections, caches, JIT
  c.createKey.push((await runLoad(flags.creates, flags.concurrency, (i) => c.clients[i % n]!.send('CreateKey', {}))).perSecond);
  c.encrypt.push((await runLoad(flags.encrypts, flags.concurrency, encrypt)).perSecond);
}

async function postgresFacts(url: string): Promise<{ version: string; fsync: string }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const version = (await client.query<{ v: string }>('SHOW server_version')).rows[0]!.v;
    const fsync = (await client.query<{ v: string }>('SHOW fsync')).rows[0]!.v;
    return { version, fsync };
  } finally {
    await client.end();
  }
}

const fmt = (x: number, d = 0) => x.toFixed(d).padStart(10);

try {
  const pgOne = await postgresUrlForTests();
  const pgTwo = await postgresUrlForTests();
  if (pgOne === undefined || pgTwo === undefined) throw new Error('PostgreSQL not available: set TRENT_TEST_PG_URL or install postgresql');
  databases.push(pgOne, pgTwo);
  const facts = await postgresFacts(pgOne);

  const sqlite = await startConfig('sqlite, 1 node', 1);
  const pg1 = await startConfig('postgres, 1 node', 1, pgOne);
  const pg2 = await startConfig('postgres, 2 nodes', 2, pgTwo);
  for (let r = 0; r < flags.rounds; r++) {
    for (const c of configs) await measure(c);
    process.stderr.write(`round ${r + 1}/${flags.rounds} done\n`);
  }

  const base = { encrypt: median(sqlite.encrypt), createKey: median(sqlite.createKey) };
  const rows = configs.map((c) => ({
    config: c.name,
    encryptPerSecond: median(c.encrypt),
    encryptVsSqlite: median(c.encrypt) / base.encrypt,
    createKeyPerSecond: median(c.createKey),
    createKeyVsSqlite: median(c.createKey) / base.createKey,
    rounds: { encrypt: c.encrypt, createKey: c.createKey },
  }));
  const twoVsOne = { encrypt: median(pg2.encrypt) / median(pg1.encrypt), createKey: median(pg2.createKey) / median(pg1.createKey) };

  const out = process.stdout;
  out.write(`\nstore-compare: median of ${flags.rounds} rounds; ${flags.encrypts} Encrypt and ${flags.creates} CreateKey per round, concurrency ${flags.concurrency}\n`);
  out.write(`HTTPS on loopback; SQLite synchronous=FULL; PostgreSQL ${facts.version} fsync=${facts.fsync}; ${availableParallelism()} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}\n\n`);
  out.write(`${'configuration'.padEnd(20)}${'Encrypt/s'.padStart(10)}${'vs SQLite'.padStart(11)}${'CreateKey/s'.padStart(13)}${'vs SQLite'.padStart(11)}\n`);
  for (const r of rows) {
    out.write(`${r.config.padEnd(20)}${fmt(r.encryptPerSecond)}${fmt(r.encryptVsSqlite, 2).padStart(11)}${fmt(r.createKeyPerSecond).padStart(13)}${fmt(r.createKeyVsSqlite, 2).padStart(11)}\n`);
  }
  out.write(`\ntwo nodes vs one node (same PostgreSQL): Encrypt x${twoVsOne.encrypt.toFixed(2)}, CreateKey x${twoVsOne.createKey.toFixed(2)}\n`);
  out.write('(the load generator, both nodes and PostgreSQL share this machine\'s CPUs: read the ratios, not the absolute rates)\n');

  const resultsDir = join(ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, 'store-compare.json');
  writeFileSync(
    file,
    JSON.stringify(
      {
        bench: 'store-compare',
        date: new Date().toISOString(),
        settings: { ...flags, tls: true },
        machine: { cpus: availableParallelism(), cpuModel: cpus()[0]?.model, node: process.version },
        postgres: facts,
        sqlite: { synchronous: 'FULL', journal: 'WAL' },
        results: rows,
        twoNodesVsOne: twoVsOne,
      },
      null,
      2,
    ) + '\n',
  );
  out.write(`wrote ${file}\n`);
} finally {
  for (const c of configs) {
    for (const cl of c.clients) cl.close();
    for (const n of c.nodes) {
      n.proc.kill('SIGTERM');
      await n.exited;
    }
  }
  for (const db of databases) await dropTestDatabase(db);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
// Exit explicitly: the throwaway cluster (if any) stops on exit.
process.exit(0);
