/**
 * The benchmark suite: Trent against a bare `node:http` server measured in the same run
 * with the same load generator, so every figure is a ratio on this (shared, noisy) machine.
 *
 *   npm run bench                 # the full suite, a few minutes
 *   npm run bench -- --smoke      # a few seconds: same code paths, tiny runs (CI runs it)
 *   node --import tsx bench/run.ts [--seconds 5] [--connections 1,16,64] [--big-keys 100000]
 *   npm run bench -- --costs      # what each feature costs: everything on, then each one off
 *   npm run bench -- --no-audit | --no-sigv4 | --open-policy   # the whole suite with one off
 *
 * Trent runs from the compiled JavaScript (dist/): the full suite builds it first (`npm run
 * build`) unless --no-build; --smoke uses whatever bin/trent.js picks (dist/ if fresh, else tsx).
 *
 * The generator: closed-loop keep-alive connections (bench/lib/load.ts: raw node:net sockets, one
 * buffer per request, responses read by Content-Length) signing every request with a light SigV4
 * signer (bench/lib/sign.ts, node:crypto HMACs, signing key derived once a day) — the baseline
 * server receives the same signed requests. The `srv us` column is the server's CPU per request
 * in the cell (every thread and worker, from /proc): steadier than req/s when the machine's speed
 * drifts. The `gen us` column is the generator's own CPU per request: with node:http's client it
 * was ~90 µs and the bare row was the generator's ceiling (one core saturated near 11,000 req/s,
 * a third of a core left idle in the bare server); with raw sockets it is ~40-60 µs, and at 64
 * connections the bare server (~36 µs) and the generator each use about one of this machine's two
 * cores.
 * Every Trent cell is preceded by a bare cell with as many connections and as long, and its ratios
 * divide by that adjacent run: this shared machine's speed drifts by ±30% within a run (seen: the
 * same Encrypt cell 2,957 and 4,034 req/s a minute apart), and a baseline measured once at the
 * start carried that drift into every ratio. The table's first rows are the bare server alone,
 * then the bare server verifying each request's SigV4 signature with Trent's own verifier
 * (bench/lib/bare-sigv4.ts): the ceiling of any server that checks signatures, before an
 * operation, a policy or an audit record.
 * Trent runs as a child process with everything on: SigV4 verified, a seed-like key policy (root,
 * an admin role, an application role), the durable audit trail (fdatasync before each answer,
 * group-committed), SQLite in WAL mode with synchronous=FULL. Plain HTTP on loopback for both
 * (TLS is Trent's default; the bare server has none either).
 *
 * Writes bench/results/latest.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, tempDir, TEST_ACCOUNT, TEST_SECRET } from '../test/support/trent.ts';
import { seedRows, seedSqlite } from '../test/reliability/lib/bulk-seed.ts';
import { kmsCall, median, signedRequest } from './lib/call.ts';
import { cpuMicros, rssMB } from './lib/proc.ts';
import { runLoad, table, type LoadResult } from './lib/load.ts';
import { BARE, keyPolicy, type Node, sleep, start, startTrent } from './lib/servers.ts';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean' },
    seconds: { type: 'string' },
    connections: { type: 'string' },
    keys: { type: 'string' },
    'big-keys': { type: 'string' },
    costs: { type: 'boolean' },
    'no-audit': { type: 'boolean' },
    'no-sigv4': { type: 'boolean' },
    'open-policy': { type: 'boolean' },
    'no-build': { type: 'boolean' },
    workers: { type: 'string' },
  },
});
const SMOKE = values.smoke === true;
const SECONDS = Number(values.seconds ?? (SMOKE ? 0.3 : 5));
const CONNECTIONS = (values.connections ?? '1,16,64').split(',').map(Number);
const KEYS = Number(values.keys ?? (SMOKE ? 20 : 1000));
const BIG_KEYS = Number(values['big-keys'] ?? (SMOKE ? 2000 : 100_000));
const MAX_REQUESTS = 10_000_000;

/** A feature switched off: `--no-audit` / `--no-sigv4` are Trent's own flags; `open-policy` is the bench's. */
type Off = 'audit' | 'sigv4' | 'policy';
const OFF: Off[] = [...(values['no-audit'] ? (['audit'] as const) : []), ...(values['no-sigv4'] ? (['sigv4'] as const) : []), ...(values['open-policy'] ? (['policy'] as const) : [])];

const account = TEST_ACCOUNT;

/** RSS in MB to one decimal, as the table prints it. */
const rssTenths = (pid: number) => Math.round(rssMB(pid) * 10) / 10;

const WORKERS = Number(values.workers ?? 1);

function startTrentNode(dataDir: string, off: Off[] = OFF, workers = WORKERS): Promise<Node & { readyMs: number }> {
  const flags = [...(off.includes('audit') ? ['--no-audit'] : []), ...(off.includes('sigv4') ? ['--no-sigv4'] : []), ...(workers > 1 ? ['--workers', String(workers)] : [])];
  return startTrent(dataDir, { flags, built: BUILT });
}

/** The full suite measures the compiled JavaScript: build it once, then pin that build. */
let BUILT = false;
if (!SMOKE && !values['no-build']) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/build.js')], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('npm run build failed');
  BUILT = true;
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
  /** The bare server's req/s the ratios divide by: measured just before the cell. */
  'bare req/s': number;
  /** The generator's own CPU per request of this cell, µs (it must not be the bottleneck). */
  'gen us': number;
  /**
   * The server's CPU per request of this cell, µs (all its threads and workers, from /proc): steadier
   * than req/s on this shared machine, whose speed drifts within a run.
   */
  'srv us': number;
}

const rows: Row[] = [];
const baseline = new Map<number, LoadResult>();

/** A load on one server, with the server's CPU per request (`srv us`). */
type ServerLoad = LoadResult & { serverUs: number };

async function serverLoad(pid: number, o: Parameters<typeof runLoad>[0]): Promise<ServerLoad> {
  const before = cpuMicros(pid);
  const r = await runLoad(o);
  return { ...r, serverUs: (cpuMicros(pid) - before) / Math.max(r.requests, 1) };
}

/** `adjacent`: the bare server measured just before this cell (the machine's speed drifts over a run). */
function record(scenario: string, op: string, conns: number, r: ServerLoad, adjacent?: LoadResult): void {
  const b = adjacent ?? baseline.get(conns);
  rows.push({
    scenario,
    op,
    conns,
    'req/s': Math.round(r.rps),
    'p50 ms': r.p50ms,
    'p99 ms': r.p99ms,
    'x bare req/s': b ? r.rps / b.rps : 1,
    'x bare p99': b ? r.p99ms / Math.max(b.p99ms, 0.001) : 1,
    'bare req/s': b ? Math.round(b.rps) : Math.round(r.rps),
    'gen us': Math.round(r.generatorUs),
    'srv us': Math.round(r.serverUs),
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
async function createKeys(url: string, n: number, off: Off[] = OFF): Promise<{ keyIds: string[]; blobs: string[] }> {
  // --open-policy: no Policy, so the key gets the default key policy (one statement: the account).
  const policy = off.includes('policy') ? {} : { Policy: JSON.stringify(keyPolicy) };
  const keyIds: string[] = [];
  const blobs: string[] = [];
  const batch = 16;
  for (let i = 0; i < n; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, n - i) }, async () => {
        const k = await kmsCall<{ KeyMetadata: { KeyId: string } }>(url, 'CreateKey', { ...policy, Description: 'bench' });
        keyIds.push(k.KeyMetadata.KeyId);
        blobs.push((await kmsCall<{ CiphertextBlob: string }>(url, 'Encrypt', { KeyId: k.KeyMetadata.KeyId, Plaintext: plaintext })).CiphertextBlob);
      }),
    );
  }
  return { keyIds, blobs };
}

async function loadWithRss(url: string, pid: number, conns: number, make: Make): Promise<{ r: ServerLoad; peakRss: number }> {
  let peakRss = 0;
  const timer = setInterval(() => (peakRss = Math.max(peakRss, rssTenths(pid))), 100);
  try {
    const r = await serverLoad(pid, { url, connections: conns, requests: MAX_REQUESTS, seconds: SECONDS, make });
    peakRss = Math.max(peakRss, rssTenths(pid));
    return { r, peakRss };
  } finally {
    clearInterval(timer);
  }
}

const COSTS = values.costs === true;
const COST_VARIANTS: { name: string; off: Off[]; workers?: number }[] = [
  { name: 'everything on', off: [] },
  { name: '--no-audit', off: ['audit'] },
  { name: '--no-sigv4', off: ['sigv4'] },
  { name: '--open-policy', off: ['policy'] },
  { name: 'all three off', off: ['audit', 'sigv4', 'policy'] },
  { name: '--workers 2', off: [], workers: 2 },
  { name: 'everything on (again)', off: [] },
];
const COST_OPS = ['Encrypt', 'Decrypt', 'GenerateDataKey'];
const costs: { variant: string; op: string; rps: number; p99ms: number; bareRps: number }[] = [];

/** --costs: each variant on a fresh data directory, the same keys count and load, at the most connections. */
let bareUrl = '';
const bareMake: Make = (_i, u) => signedRequest(u, 'Encrypt', { KeyId: 'bench', Plaintext: plaintext });
/** The bare server again, just before a Trent cell with as many connections. */
const adjacentBare = (c: number, seconds = SECONDS) => runLoad({ url: bareUrl, connections: c, requests: MAX_REQUESTS, seconds, make: bareMake });

async function measureCosts(): Promise<void> {
  const c = CONNECTIONS[CONNECTIONS.length - 1]!;
  for (const v of COST_VARIANTS) {
    const dir = tempDir('trent-bench-cost-');
    dirs.push(dir);
    const node = await startTrentNode(dir, v.off, v.workers ?? WORKERS);
    try {
      const f = await createKeys(node.url, Math.min(KEYS, 100), v.off);
      const m = makers(f.keyIds, f.blobs);
      await runLoad({ url: node.url, connections: 16, requests: MAX_REQUESTS, seconds: SECONDS / 2, make: m.Encrypt! }); // warm-up
      for (const op of COST_OPS) {
        // The bare server again just before each cell: the machine's load drifts between variants,
        // so each cell is compared with the bare figure measured next to it.
        const b = await adjacentBare(c, SECONDS / 2);
        const r = await serverLoad(node.proc.pid!, { url: node.url, connections: c, requests: MAX_REQUESTS, seconds: SECONDS, make: m[op]! });
        record(v.name, op, c, r, b);
        costs.push({ variant: v.name, op, rps: r.rps, p99ms: r.p99ms, bareRps: b.rps });
      }
    } finally {
      await node.stop();
    }
  }
}

/** 100,000 keys vs 1,000: req/s of alternated cells at the most connections, `BIG_ROUNDS` rounds. */
const BIG_ROUNDS = SMOKE ? 1 : 3;
const READY_STARTS = 5;
const alternated = { Encrypt: { small: [] as number[], big: [] as number[] }, Decrypt: { small: [] as number[], big: [] as number[] } };

const started = performance.now();
const dirs: string[] = [];
const extra: Record<string, number> = {};
try {
  // 1. The baseline: a bare node:http server, the same generator and signer.
  const sample = tempDir('trent-bench-');
  dirs.push(sample);
  const bare = await start(['-e', BARE, '1472']);
  bareUrl = bare.url;
  try {
    const make = bareMake;
    await runLoad({ url: bare.url, connections: 16, requests: MAX_REQUESTS, seconds: SECONDS / 2, make }); // warm-up
    for (const c of CONNECTIONS) {
      const r = await serverLoad(bare.proc.pid!, { url: bare.url, connections: c, requests: MAX_REQUESTS, seconds: SECONDS, make });
      baseline.set(c, r);
      record('bare node:http', 'fixed 1.6 KB', c, r);
    }
    // The second baseline: the same bare server verifying each request's signature with Trent's
    // own verifier (bench/lib/bare-sigv4.ts), each cell right after a bare cell.
    const sigModule = join(ROOT, BUILT ? 'dist/auth/sigv4.js' : 'src/auth/sigv4.ts');
    const bareSig = await start(['--import', 'tsx', join(import.meta.dirname, 'lib/bare-sigv4.ts'), '1472'], { BENCH_SECRET: TEST_SECRET, SIGV4_MODULE: sigModule });
    try {
      await runLoad({ url: bareSig.url, connections: 16, requests: MAX_REQUESTS, seconds: SECONDS / 2, make }); // warm-up
      for (const c of CONNECTIONS) {
        const b = await adjacentBare(c);
        const r = await serverLoad(bareSig.proc.pid!, { url: bareSig.url, connections: c, requests: MAX_REQUESTS, seconds: SECONDS, make });
        record('bare + SigV4 verify', 'fixed 1.6 KB', c, r, b);
      }
    } finally {
      await bareSig.stop();
    }
  } catch (e) {
    await bare.stop();
    throw e;
  }
  if (COSTS) {
    try {
      await measureCosts();
    } finally {
      await bare.stop();
    }
  }
  else try {
  // 2. Trent with `KEYS` keys, everything on.
  let trent = await startTrentNode(sample);
  let fixtures: { keyIds: string[]; blobs: string[] };
  try {
    fixtures = await createKeys(trent.url, KEYS);
  } finally {
    await trent.stop();
  }
  // Start to ready on the existing data directory (median of five: one start on a busy moment of
  // this shared machine moved a median of three by 60 ms), and idle RSS.
  const readies: number[] = [];
  for (let i = 0; i < READY_STARTS; i++) {
    trent = await startTrentNode(sample);
    readies.push(trent.readyMs);
    if (i < READY_STARTS - 1) await trent.stop();
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
        const b = await adjacentBare(c);
        const { r, peakRss } = await loadWithRss(trent.url, trent.proc.pid!, c, m[op]!);
        peak = Math.max(peak, peakRss);
        record(`${KEYS} keys`, op, c, r, b);
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
  // Compared with the `KEYS`-key node started again beside it, cell by cell in alternation: single
  // cells minutes apart moved ±25% with this shared machine, more than the effect measured.
  trent = await startTrentNode(big);
  const small = await startTrentNode(sample);
  try {
    const f = await createKeys(trent.url, KEYS);
    const m = makers(f.keyIds, f.blobs);
    const mSmall = makers(fixtures.keyIds, fixtures.blobs);
    await runLoad({ url: trent.url, connections: 16, requests: MAX_REQUESTS, seconds: SECONDS / 2, make: m.Encrypt! }); // warm-up
    await runLoad({ url: small.url, connections: 16, requests: MAX_REQUESTS, seconds: SECONDS / 2, make: mSmall.Encrypt! });
    const c = CONNECTIONS[CONNECTIONS.length - 1]!;
    for (let round = 0; round < BIG_ROUNDS; round++) {
      for (const op of ['Encrypt', 'Decrypt'] as const) {
        const s = await runLoad({ url: small.url, connections: c, requests: MAX_REQUESTS, seconds: SECONDS, make: mSmall[op]! });
        // The table's row for the big store: its first cell, with a bare cell just before it.
        const b = round === 0 ? await adjacentBare(c) : undefined;
        const r = (await loadWithRss(trent.url, trent.proc.pid!, c, m[op]!)).r;
        if (b) record(`${BIG_KEYS} keys`, op, c, r, b);
        alternated[op].small.push(s.rps);
        alternated[op].big.push(r.rps);
      }
    }
  } finally {
    await small.stop();
    await trent.stop();
  }
  } finally {
    await bare.stop();
  }
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

const machine = { cpus: availableParallelism(), model: cpus()[0]?.model ?? 'unknown', memoryGB: Math.round(totalmem() / 2 ** 30), node: process.version };
// The big store against the small one: the median of the alternated cells' req/s, and each round's ratio.
const c = CONNECTIONS[CONNECTIONS.length - 1]!;
const bigVsSmall = (['Encrypt', 'Decrypt'] as const).map((op) => {
  const a = alternated[op];
  return { op, ratio: median(a.big) / median(a.small), rounds: a.big.map((x, i) => x / a.small[i]!), big: a.big, small: a.small };
});

process.stdout.write(`Trent benchmark${SMOKE ? ' (smoke)' : ''}: ${SECONDS} s per cell; ${machine.cpus} cores (${machine.model}), node ${machine.node}\n`);
process.stdout.write(
  OFF.length === 0 || COSTS
    ? 'Everything on: SigV4 verified (light signer in the generator), seed-like key policy, durable audit, SQLite WAL+FULL; plain HTTP on loopback.\n'
    : `Switched off: ${OFF.map((o) => (o === 'policy' ? '--open-policy (default key policy)' : `--no-${o}`)).join(', ')}; SQLite WAL+FULL; plain HTTP on loopback.\n`,
);
if (WORKERS > 1) process.stdout.write(`trent serve --workers ${WORKERS}\n`);
process.stdout.write(`Trent runs ${BUILT ? 'the compiled JavaScript (dist/)' : 'through bin/trent.js (dist/ if fresh, else tsx)'}.\n\n`);
process.stdout.write(`${table(rows as unknown as Record<string, string | number>[])}\n\n`);
const costTable = COSTS
  ? COST_OPS.map((op) => {
      // Each cell as a ratio to the bare server measured just before it, then to everything on.
      const on = costs.filter((x) => x.op === op && x.variant.startsWith('everything on'));
      const onRatio = on.reduce((a, x) => a + x.rps / x.bareRps, 0) / Math.max(on.length, 1);
      const row: Record<string, string | number> = { op, 'on x bare': onRatio };
      for (const v of COST_VARIANTS.filter((x) => !x.name.startsWith('everything on'))) {
        const x = costs.find((y) => y.op === op && y.variant === v.name);
        row[v.name] = x ? x.rps / x.bareRps / onRatio : 0;
      }
      return row;
    })
  : [];
if (COSTS) {
  process.stdout.write(`What each feature costs at ${c} connections: (req/s with it off, or with --workers 2) ÷ (req/s with everything on), each cell first divided by the bare server's req/s measured just before it; everything on = mean of its two runs\n`);
  process.stdout.write(`${table(costTable)}\n`);
} else {
  process.stdout.write(`start to ready (existing data dir, median of ${READY_STARTS}): ${extra.startToReadyMs!.toFixed(0)} ms; RSS idle ${extra.idleRssMB} MB, under load ${extra.loadRssMB} MB\n`);
  process.stdout.write(
    `${BIG_KEYS} keys vs ${KEYS} keys at ${c} connections (req/s, median of ${BIG_ROUNDS} alternated cells each): ${bigVsSmall.map((b) => `${b.op} ${b.ratio.toFixed(2)}x (rounds ${b.rounds.map((x) => x.toFixed(2)).join(' / ')})`).join(', ')}\n`,
  );
}
process.stdout.write(`suite took ${((performance.now() - started) / 1000).toFixed(0)} s\n`);

mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(
  join(import.meta.dirname, 'results', `${SMOKE ? 'smoke' : COSTS ? 'costs' : OFF.length > 0 ? `off-${OFF.join('-')}` : 'latest'}.json`),
  `${JSON.stringify({ bench: COSTS ? 'costs' : 'suite', date: new Date().toISOString(), smoke: SMOKE, seconds: SECONDS, built: BUILT, off: OFF, machine, rows, ...extra, ...(COSTS ? { costs: costTable } : { bigVsSmall }) }, null, 2)}\n`,
);
