/**
 * The benchmark suite (issue 8): Trent against a bare `node:http` server measured in the same run
 * with the same load generator, so every figure is a ratio on this (shared, noisy) machine.
 *
 *   npm run bench                 # the full suite, a few minutes
 *   npm run bench -- --smoke      # a few seconds: same code paths, tiny runs (CI runs it)
 *   node --import tsx bench/run.ts [--seconds 3] [--connections 1,16,64] [--big-keys 100000]
 *
 * The generator: closed-loop keep-alive connections (bench/lib/load.ts) signing every request with
 * a light SigV4 signer (bench/lib/sign.ts, node:crypto HMACs, signing key derived once a day) — the
 * baseline server receives the same signed requests, so its figure is also the generator's ceiling.
 * Trent runs as a child process with everything on: SigV4 verified, a seed-like key policy (root,
 * an admin role, an application role), the durable audit trail (fdatasync before each answer,
 * group-committed), SQLite in WAL mode with synchronous=FULL. Plain HTTP on loopback for both
 * (TLS is Trent's default; the bare server has none either).
 *
 * Writes bench/results/latest.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, tempDir, TEST_ACCESS_KEY_ID, TEST_ACCOUNT, TEST_SECRET } from '../test/support/trent.ts';
import { seedRows, seedSqlite } from '../test/reliability/lib/bulk-seed.ts';
import { kmsCall, median, signedRequest } from './lib/call.ts';
import { rssMB } from './lib/proc.ts';
import { runLoad, table, type LoadResult } from './lib/load.ts';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean' },
    seconds: { type: 'string' },
    connections: { type: 'string' },
    keys: { type: 'string' },
    'big-keys': { type: 'string' },
  },
});
const SMOKE = values.smoke === true;
const SECONDS = Number(values.seconds ?? (SMOKE ? 0.3 : 3));
const CONNECTIONS = (values.connections ?? '1,16,64').split(',').map(Number);
const KEYS = Number(values.keys ?? (SMOKE ? 20 : 1000));
const BIG_KEYS = Number(values['big-keys'] ?? (SMOKE ? 2000 : 100_000));
const MAX_REQUESTS = 10_000_000;

const account = TEST_ACCOUNT;
const keyPolicy = {
  Version: '2012-10-17',
  Id: 'bench-policy',
  Statement: [
    { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' },
    {
      Sid: 'Allow key administrators',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${account}:role/KMSAdmin` },
      Action: ['kms:Create*', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*', 'kms:Disable*', 'kms:Get*', 'kms:Delete*', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion'],
      Resource: '*',
    },
    {
      Sid: 'Allow use of the key',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${account}:role/PetTracker-Lambda` },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
      Resource: '*',
    },
  ],
};

interface Node {
  proc: ChildProcess;
  url: string;
  stop: () => Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** RSS in MB to one decimal, as the table prints it. */
const rssTenths = (pid: number) => Math.round(rssMB(pid) * 10) / 10;

function healthz(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/healthz`, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.setTimeout(1000, () => req.destroy());
  });
}

/** Spawns a server; resolves when it prints its URL and answers /healthz, with the time that took. */
async function start(args: string[], env: Record<string, string> = {}): Promise<Node & { readyMs: number }> {
  const t0 = performance.now();
  const proc = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  let url: string | undefined;
  for (const deadline = Date.now() + 30_000; ; await sleep(2)) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`server did not start: ${out}\n${err}`);
    }
    url ??= /listening on (\S+)/.exec(out)?.[1];
    if (url !== undefined && (await healthz(url))) break;
  }
  const readyMs = performance.now() - t0;
  return {
    proc,
    url,
    readyMs,
    stop: async () => {
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

const BARE = `
const http = require('node:http');
const body = Buffer.from(JSON.stringify({ KeyId: 'x'.repeat(75), CiphertextBlob: 'A'.repeat(Number(process.argv[1])), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' }));
const server = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': '00000000-0000-4000-8000-000000000000', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 65000;
server.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));
`;

/** The roles the key policy names must exist (Trent refuses policies naming unknown principals). */
function identitiesFile(dataDir: string): string {
  const path = join(dataDir, 'identities.json');
  const principals = ['KMSAdmin', 'PetTracker-Lambda'].map((r) => ({ arn: `arn:aws:iam::${account}:role/${r}` }));
  writeFileSync(path, JSON.stringify({ accounts: { [account]: { principals } } }));
  return path;
}

function startTrentNode(dataDir: string): Promise<Node & { readyMs: number }> {
  const ids = identitiesFile(dataDir);
  return start([join(ROOT, 'bin/trent.js'), 'serve', '--port', '0', '--data-dir', dataDir, '--no-tls', '--node-id', 'bench', '--identities', ids], {
    TRENT_ROOT_ACCESS_KEY_ID: TEST_ACCESS_KEY_ID,
    TRENT_ROOT_SECRET_ACCESS_KEY: TEST_SECRET,
  });
}

interface Row {
  scenario: string;
  op: string;
  conns: number;
  'req/s': number;
  'p50 ms': number;
  'p99 ms': number;
  'x bare req/s': number;
  'x bare p99': number;
}

const rows: Row[] = [];
const baseline = new Map<number, LoadResult>();

function record(scenario: string, op: string, conns: number, r: LoadResult): void {
  const b = baseline.get(conns);
  rows.push({
    scenario,
    op,
    conns,
    'req/s': Math.round(r.rps),
    'p50 ms': r.p50ms,
    'p99 ms': r.p99ms,
    'x bare req/s': b ? r.rps / b.rps : 1,
    'x bare p99': b ? r.p99ms / Math.max(b.p99ms, 0.001) : 1,
  });
  process.stderr.write(`  ${scenario} ${op} @${conns}: ${Math.round(r.rps)} req/s, p99 ${r.p99ms.toFixed(2)} ms\n`);
}

const plaintext = Buffer.alloc(1024, 7).toString('base64');

type Make = (i: number, node: URL) => { headers: Record<string, string>; body: string };

function makers(keyIds: string[], blobs: string[]): Record<string, Make> {
  return {
    Encrypt: (i, u) => signedRequest(u, 'Encrypt', { KeyId: keyIds[i % keyIds.length]!, Plaintext: plaintext }),
    Decrypt: (i, u) => signedRequest(u, 'Decrypt', { CiphertextBlob: blobs[i % blobs.length]! }),
    GenerateDataKey: (i, u) => signedRequest(u, 'GenerateDataKey', { KeyId: keyIds[i % keyIds.length]!, KeySpec: 'AES_256' }),
    DescribeKey: (i, u) => signedRequest(u, 'DescribeKey', { KeyId: keyIds[i % keyIds.length]! }),
  };
}

/** Creates `n` keys with the bench policy over the wire, and one ciphertext under each. */
async function createKeys(url: string, n: number): Promise<{ keyIds: string[]; blobs: string[] }> {
  const keyIds: string[] = [];
  const blobs: string[] = [];
  const batch = 16;
  for (let i = 0; i < n; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, n - i) }, async () => {
        const k = await kmsCall<{ KeyMetadata: { KeyId: string } }>(url, 'CreateKey', { Policy: JSON.stringify(keyPolicy), Description: 'bench' });
        keyIds.push(k.KeyMetadata.KeyId);
        blobs.push((await kmsCall<{ CiphertextBlob: string }>(url, 'Encrypt', { KeyId: k.KeyMetadata.KeyId, Plaintext: plaintext })).CiphertextBlob);
      }),
    );
  }
  return { keyIds, blobs };
}

async function loadWithRss(url: string, pid: number, conns: number, make: Make): Promise<{ r: LoadResult; peakRss: number }> {
  let peakRss = 0;
  const timer = setInterval(() => (peakRss = Math.max(peakRss, rssTenths(pid))), 100);
  try {
    const r = await runLoad({ url, connections: conns, requests: MAX_REQUESTS, seconds: SECONDS, make });
    peakRss = Math.max(peakRss, rssTenths(pid));
    return { r, peakRss };
  } finally {
    clearInterval(timer);
  }
}

const started = performance.now();
const dirs: string[] = [];
const extra: Record<string, number> = {};
try {
  // 1. The baseline: a bare node:http server, the same generator and signer.
  const sample = tempDir('trent-bench-');
  dirs.push(sample);
  const bare = await start(['-e', BARE, '1472']);
  try {
    const make: Make = (i, u) => signedRequest(u, 'Encrypt', { KeyId: 'bench', Plaintext: plaintext });
    await runLoad({ url: bare.url, connections: 16, requests: MAX_REQUESTS, seconds: SECONDS / 2, make }); // warm-up
    for (const c of CONNECTIONS) {
      const r = await runLoad({ url: bare.url, connections: c, requests: MAX_REQUESTS, seconds: SECONDS, make });
      baseline.set(c, r);
      record('bare node:http', 'fixed 1.6 KB', c, r);
    }
  } finally {
    await bare.stop();
  }

  // 2. Trent with `KEYS` keys, everything on.
  let trent = await startTrentNode(sample);
  let fixtures: { keyIds: string[]; blobs: string[] };
  try {
    fixtures = await createKeys(trent.url, KEYS);
  } finally {
    await trent.stop();
  }
  // Start to ready on the existing data directory (median of three), and idle RSS.
  const readies: number[] = [];
  for (let i = 0; i < 3; i++) {
    trent = await startTrentNode(sample);
    readies.push(trent.readyMs);
    if (i < 2) await trent.stop();
  }
  extra.startToReadyMs = median(readies);
  await sleep(500);
  extra.idleRssMB = rssTenths(trent.proc.pid!);
  try {
    const m = makers(fixtures.keyIds, fixtures.blobs);
    await runLoad({ url: trent.url, connections: 16, requests: MAX_REQUESTS, seconds: SECONDS / 2, make: m.Encrypt! }); // warm-up
    let peak = 0;
    for (const op of ['Encrypt', 'Decrypt', 'GenerateDataKey', 'DescribeKey']) {
      for (const c of CONNECTIONS) {
        const { r, peakRss } = await loadWithRss(trent.url, trent.proc.pid!, c, m[op]!);
        peak = Math.max(peak, peakRss);
        record(`${KEYS} keys`, op, c, r);
      }
    }
    extra.loadRssMB = peak;
  } finally {
    await trent.stop();
  }

  // 3. The same requests with `BIG_KEYS` keys in the store (filler rows written straight into
  // SQLite, as 100,000 CreateKey calls would each wait for an fsync): nothing may scan them all.
  const big = tempDir('trent-bench-big-');
  dirs.push(big);
  await seedSqlite(big, seedRows({ account, region: 'us-east-1', keys: BIG_KEYS - KEYS, aliases: 0, grants: 0, now: Date.now() }));
  trent = await startTrentNode(big);
  try {
    const f = await createKeys(trent.url, KEYS);
    const m = makers(f.keyIds, f.blobs);
    await runLoad({ url: trent.url, connections: 16, requests: MAX_REQUESTS, seconds: SECONDS / 2, make: m.Encrypt! }); // warm-up
    const c = CONNECTIONS[CONNECTIONS.length - 1]!;
    for (const op of ['Encrypt', 'Decrypt']) record(`${BIG_KEYS} keys`, op, c, (await loadWithRss(trent.url, trent.proc.pid!, c, m[op]!)).r);
  } finally {
    await trent.stop();
  }
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

const machine = { cpus: availableParallelism(), model: cpus()[0]?.model ?? 'unknown', memoryGB: Math.round(totalmem() / 2 ** 30), node: process.version };
const ratio = (scenario: string, op: string, c: number) => rows.find((r) => r.scenario === scenario && r.op === op && r.conns === c)?.['req/s'];
const c = CONNECTIONS[CONNECTIONS.length - 1]!;
const bigVsSmall = ['Encrypt', 'Decrypt'].map((op) => ({ op, ratio: (ratio(`${BIG_KEYS} keys`, op, c) ?? 0) / (ratio(`${KEYS} keys`, op, c) ?? 1) }));

process.stdout.write(`Trent benchmark${SMOKE ? ' (smoke)' : ''}: ${SECONDS} s per cell; ${machine.cpus} cores (${machine.model}), node ${machine.node}\n`);
process.stdout.write('Everything on: SigV4 verified (light signer in the generator), seed-like key policy, durable audit, SQLite WAL+FULL; plain HTTP on loopback.\n\n');
process.stdout.write(`${table(rows as unknown as Record<string, string | number>[])}\n\n`);
process.stdout.write(`start to ready (existing data dir, median of 3): ${extra.startToReadyMs!.toFixed(0)} ms; RSS idle ${extra.idleRssMB} MB, under load ${extra.loadRssMB} MB\n`);
process.stdout.write(`${BIG_KEYS} keys vs ${KEYS} keys at ${c} connections: ${bigVsSmall.map((b) => `${b.op} ${b.ratio.toFixed(2)}x`).join(', ')}\n`);
process.stdout.write(`suite took ${((performance.now() - started) / 1000).toFixed(0)} s\n`);

mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(
  join(import.meta.dirname, 'results', SMOKE ? 'smoke.json' : 'latest.json'),
  `${JSON.stringify({ bench: 'suite', date: new Date().toISOString(), smoke: SMOKE, seconds: SECONDS, machine, rows, ...extra, bigVsSmall }, null, 2)}\n`,
);
