/**
 * Encrypt and CreateKey throughput on PostgreSQL as a ratio to SQLite (the
 * same-run baseline), and two nodes against one on the same database. Every Trent is a child
 * process (`trent serve --no-tls`, loopback); the load is a bounded number of signed requests
 * from a closed loop of `--connections` keep-alive connections, spread round-robin over a
 * configuration's nodes. Configurations are interleaved round by round; the median round counts.
 *
 *   node --import tsx bench/store-compare.ts [--encrypts 4000] [--creates 400] [--rounds 3] [--connections 16]
 *
 * PostgreSQL: TRENT_TEST_PG_URL, else a throwaway cluster started with fsync=on, so that it
 * pays for durability as SQLite (synchronous=FULL) does. Writes bench/results/store-compare.json.
 */
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { dropTestDatabase, postgresUrlForTests } from '../test/support/postgres.ts';
import { ROOT, spawnTrent, tempDir, type ChildTrent } from '../test/support/trent.ts';
import { kmsCall, median, signedRequest } from './lib/call.ts';
import { runLoad, table } from './lib/load.ts';

process.env.TRENT_TEST_PG_FSYNC ??= 'on';
const { values } = parseArgs({ options: { encrypts: { type: 'string' }, creates: { type: 'string' }, rounds: { type: 'string' }, connections: { type: 'string' } } });
const ENCRYPTS = Number(values.encrypts ?? 4000);
const CREATES = Number(values.creates ?? 400);
const ROUNDS = Number(values.rounds ?? 3);
const CONNECTIONS = Number(values.connections ?? 16);

interface Config {
  name: string;
  nodes: ChildTrent[];
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
    // Every node on one store has the same root key (README: "Several nodes on PostgreSQL").
    if (i > 0) copyFileSync(join(dirs[dirs.length - 1]!, 'root.key'), join(dir, 'root.key'));
    dirs.push(dir);
    nodes.push(await spawnTrent(['--data-dir', dir, '--no-tls', ...(storeUrl ? ['--store', storeUrl] : [])]));
  }
  const c: Config = { name, nodes, encrypt: [], createKey: [] };
  configs.push(c);
  return c;
}

async function measure(c: Config): Promise<void> {
  const urls = c.nodes.map((n) => n.url);
  const keyId = (await kmsCall<{ KeyMetadata: { KeyId: string } }>(urls[0]!, 'CreateKey', {})).KeyMetadata.KeyId;
  const Plaintext = Buffer.alloc(64, 7).toString('base64');
  const encrypt = (i: number, node: URL) => signedRequest(node, 'Encrypt', { KeyId: keyId, Plaintext });
  await runLoad({ url: urls, connections: CONNECTIONS, requests: 300, make: encrypt }); // warm: connections, caches, JIT
  c.createKey.push((await runLoad({ url: urls, connections: CONNECTIONS, requests: CREATES, make: (_i, node) => signedRequest(node, 'CreateKey', {}) })).rps);
  c.encrypt.push((await runLoad({ url: urls, connections: CONNECTIONS, requests: ENCRYPTS, make: encrypt })).rps);
}

async function postgresFacts(url: string): Promise<{ version: string; fsync: string }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query<{ version: string; fsync: string }>("SELECT current_setting('server_version') AS version, current_setting('fsync') AS fsync");
    return r.rows[0]!;
  } finally {
    await client.end();
  }
}

try {
  const pgOne = await postgresUrlForTests();
  const pgTwo = await postgresUrlForTests();
  if (pgOne === undefined || pgTwo === undefined) throw new Error('PostgreSQL not available: set TRENT_TEST_PG_URL or install postgresql');
  databases.push(pgOne, pgTwo);
  const facts = await postgresFacts(pgOne);

  const sqlite = await startConfig('sqlite, 1 node', 1);
  const pg1 = await startConfig('postgres, 1 node', 1, pgOne);
  const pg2 = await startConfig('postgres, 2 nodes', 2, pgTwo);
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of configs) await measure(c);
    process.stderr.write(`round ${r + 1}/${ROUNDS} done\n`);
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
  out.write(`\nstore-compare: median of ${ROUNDS} rounds; ${ENCRYPTS} Encrypt and ${CREATES} CreateKey per round, ${CONNECTIONS} connections, plain HTTP on loopback\n`);
  out.write(`SQLite synchronous=FULL (WAL); PostgreSQL ${facts.version} fsync=${facts.fsync}; ${availableParallelism()} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}\n\n`);
  out.write(
    table(
      rows.map((r) => ({
        configuration: r.config,
        'Encrypt/s': Math.round(r.encryptPerSecond),
        'vs SQLite': r.encryptVsSqlite,
        'CreateKey/s': Math.round(r.createKeyPerSecond),
        'vs SQLite ': r.createKeyVsSqlite,
      })),
    ) + '\n',
  );
  out.write(`\ntwo nodes vs one node (same PostgreSQL): Encrypt x${twoVsOne.encrypt.toFixed(2)}, CreateKey x${twoVsOne.createKey.toFixed(2)}\n`);
  out.write("(the load generator, the nodes and PostgreSQL share this machine's CPUs: read the ratios, not the absolute rates)\n");

  const resultsDir = join(ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, 'store-compare.json');
  writeFileSync(
    file,
    JSON.stringify(
      {
        bench: 'store-compare',
        date: new Date().toISOString(),
        settings: { encrypts: ENCRYPTS, creates: CREATES, rounds: ROUNDS, connections: CONNECTIONS, tls: false },
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
