/**
 * Tail latency under wrk: Trent against a bare `node:http` server, alternated in one run.
 *
 *   npm run bench:wrk                               # 3 rounds: bare, Trent (everything on)
 *   npm run bench:wrk -- --both                     # 3 rounds: bare, Trent, Trent --no-audit
 *   node --import tsx bench/wrk.ts [--rounds 3] [--seconds 10] [--connections 64] [--threads 2]
 *        [--no-audit] [--both] [--no-build] [--node-args "--cpu-prof"] [--serve-args "--workers 2"] [--probe]
 *        [--baseline-root <another checkout, built>] [--operation Encrypt|DescribeKey]
 *
 * --baseline-root adds, after each Trent cell, the same cell on Trent started from another checkout
 * (`trent@base`): a before/after comparison of two builds, alternated in one run.
 *
 * --probe preloads bench/lib/loop-probe.mjs into each Trent process and prints, per cell, the
 * event loop's worst delays and the GC pauses (count, total and longest, by kind).
 *
 * wrk (Debian's package `wrk`, a C load generator that costs the machine little) sends one
 * pre-signed 1 KiB Encrypt over and over on keep-alive connections (`-t2 -c64 -d10s --latency`):
 * SigV4 binds the signature to the request's bytes and its X-Amz-Date, not to a nonce, so Trent,
 * like AWS, accepts the same signed request again while its date is within the 5-minute skew
 * window. The request is signed afresh before each Trent cell, and a cell with any non-2xx answer
 * or socket error fails the run. Each round runs the bare server, then Trent (then Trent without
 * its audit trail, with --both), so every Trent cell has a bare cell next to it on this shared,
 * drifting machine; the table prints each cell and the medians, and the `srv us` column is the
 * server's CPU per request in the cell (all threads, from /proc).
 *
 * Trent runs from the compiled JavaScript (dist/; `npm run build` first unless --no-build) with
 * everything on: SigV4 verified, the seed-like key policy, the durable audit trail, SQLite WAL +
 * synchronous=FULL, plain HTTP on loopback. Writes bench/results/wrk.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, tempDir } from '../test/support/trent.ts';
import { kmsCall, median, signedRequest } from './lib/call.ts';
import { cpuMicros } from './lib/proc.ts';
import { table } from './lib/load.ts';
import { keyPolicy, type Node, startBare, startTrent } from './lib/servers.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string' },
    seconds: { type: 'string' },
    connections: { type: 'string' },
    threads: { type: 'string' },
    'no-audit': { type: 'boolean' },
    both: { type: 'boolean' },
    'no-build': { type: 'boolean' },
    'node-args': { type: 'string' },
    'serve-args': { type: 'string' },
    probe: { type: 'boolean' },
    'baseline-root': { type: 'string' },
    operation: { type: 'string' },
  },
});
const ROUNDS = Number(values.rounds ?? 3);
const SECONDS = Number(values.seconds ?? 10);
const CONNECTIONS = Number(values.connections ?? 64);
const THREADS = Number(values.threads ?? 2);
/** The request each cell repeats: Encrypt (1 KiB) by default, or DescribeKey. */
const OPERATION = values.operation ?? 'Encrypt';
if (OPERATION !== 'Encrypt' && OPERATION !== 'DescribeKey') throw new Error(`--operation: Encrypt or DescribeKey, not ${OPERATION}`);
const NODE_ARGS = values['node-args']?.split(/\s+/).filter(Boolean) ?? [];
const SERVE_ARGS = values['serve-args']?.split(/\s+/).filter(Boolean) ?? [];

if (spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error) {
  process.stderr.write('bench/wrk.ts needs wrk on the PATH: `apt-get install -y wrk` (Debian/Ubuntu), `brew install wrk` (macOS), or build it from https://github.com/wg/wrk\n');
  process.exit(2);
}

interface WrkResult {
  rps: number;
  p50ms: number;
  p90ms: number;
  p99ms: number;
  maxms: number;
  /** From the script's done(): the 99.9th percentile. */
  p999ms: number;
  requests: number;
  /** Non-2xx answers and socket errors (connect, read, write, timeout). */
  errors: number;
  serverUs: number;
}

/** A wrk latency figure (`812.00us`, `1.23ms`, `2.01s`, `1.5m`) in ms. */
function ms(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!m) throw new Error(`unreadable wrk latency: ${text}`);
  const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as 'us' | 'ms' | 's' | 'm'];
  return Number(m[1]) * scale;
}

function parseWrk(out: string): Omit<WrkResult, 'serverUs'> {
  const pct = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out);
    if (!m) throw new Error(`wrk printed no ${p}% latency:\n${out}`);
    return ms(m[1]!);
  };
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const total = /(\d+) requests in/.exec(out);
  const max = /Latency\s+\S+\s+\S+\s+(\S+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  if (!rps || !total) throw new Error(`unreadable wrk output:\n${out}`);
  return {
    rps: Number(rps[1]),
    p50ms: pct('50'),
    p90ms: pct('90'),
    p99ms: pct('99'),
    maxms: max ? ms(max[1]!) : 0,
    p999ms: Number(/^p99\.9 (\d+)$/m.exec(out)?.[1] ?? 0) / 1000,
    requests: Number(total[1]),
    errors: Number(non2xx?.[1] ?? 0) + (sock ? sock.slice(1).reduce((a, x) => a + Number(x), 0) : 0),
  };
}

/** A wrk script sending one request, as the light signer signed it just now. */
function script(dir: string, url: string, op: string, input: Record<string, unknown>): string {
  const { headers, body } = signedRequest(new URL(url), op, input);
  const lua = [
    'wrk.method = "POST"',
    `wrk.body = ${JSON.stringify(body)}`,
    // wrk adds its own Host header unless the script sets one spelled `Host`; two would break the signature.
    ...Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k === 'host' ? 'Host' : k)}] = ${JSON.stringify(v)}`),
    // wrk's summary stops at the 99th percentile; the tail beyond it, in µs.
    'done = function(summary, latency, requests) io.write(string.format("p99.9 %d\\n", latency:percentile(99.9))) end',
  ].join('\n');
  const path = join(dir, `${new URL(url).port}.lua`);
  writeFileSync(path, `${lua}\n`);
  return path;
}

function runWrk(url: string, lua: string, pid: number, seconds = SECONDS): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const before = cpuMicros(pid);
    const p = spawn('wrk', [`-t${THREADS}`, `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-s', lua, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`wrk exited ${code}:\n${out}`));
      try {
        const r = parseWrk(out);
        resolve({ ...r, serverUs: (cpuMicros(pid) - before) / Math.max(r.requests, 1) });
      } catch (e) {
        reject(e);
      }
    });
  });
}

if (!values['no-build']) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/build.js')], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('npm run build failed');
}

const plaintext = Buffer.alloc(1024, 7).toString('base64');
/** `trent`, `trent --no-audit`, and with --baseline-root the same on the other build (`trent@base …`). */
type Variant = string;
const BASE_ROOT = values['baseline-root'];
const trentVariants = values.both ? ['trent', 'trent --no-audit'] : values['no-audit'] ? ['trent --no-audit'] : ['trent'];
const variants: Variant[] = ['bare', ...trentVariants.flatMap((v) => (BASE_ROOT ? [v, v.replace('trent', 'trent@base')] : [v]))];
const cells: ({ round: number; server: Variant; from: number; to: number } & WrkResult)[] = [];
const PROBE = values.probe === true;
const probeFile = (v: Variant) => join(work, `${v.replace(/\W+/g, '-')}.probe.json`);
const work = tempDir('trent-bench-wrk-');
const nodes = new Map<Variant, Node>();
const keyIds = new Map<Variant, string>();
try {
  nodes.set('bare', await startBare());
  for (const v of variants.filter((x) => x !== 'bare')) {
    const dir = join(work, v.replace(/\W+/g, '-'));
    mkdirSync(dir);
    const flags = [...(v.endsWith('--no-audit') ? ['--no-audit'] : []), ...SERVE_ARGS];
    const probe: { nodeArgs: string[]; env: Record<string, string> } = PROBE ? { nodeArgs: ['--import', join(import.meta.dirname, 'lib/loop-probe.mjs')], env: { LOOP_PROBE_OUT: probeFile(v) } } : { nodeArgs: [], env: {} };
    const node = await startTrent(dir, { flags, nodeArgs: [...probe.nodeArgs, ...NODE_ARGS], env: probe.env, built: !values['no-build'], ...(v.startsWith('trent@base') ? { root: BASE_ROOT! } : {}) });
    nodes.set(v, node);
    const k = await kmsCall<{ KeyMetadata: { KeyId: string } }>(node.url, 'CreateKey', { Policy: JSON.stringify(keyPolicy), Description: 'bench wrk' });
    keyIds.set(v, k.KeyMetadata.KeyId);
  }
  const luaFor = (v: Variant) => script(work, nodes.get(v)!.url, OPERATION, OPERATION === 'Encrypt' ? { KeyId: keyIds.get(v) ?? 'bench', Plaintext: plaintext } : { KeyId: keyIds.get(v) ?? 'bench' });
  // Warm-up: each server's JIT and caches, a quarter of a cell each.
  for (const v of variants) await runWrk(nodes.get(v)!.url, luaFor(v), nodes.get(v)!.proc.pid!, Math.max(1, Math.round(SECONDS / 4)));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const v of variants) {
      const node = nodes.get(v)!;
      const lua = luaFor(v);
      const from = Date.now();
      const r = await runWrk(node.url, lua, node.proc.pid!);
      if (r.errors > 0) throw new Error(`${v}: ${r.errors} of ${r.requests} answers were errors (non-2xx or socket errors)`);
      cells.push({ round, server: v, from, to: Date.now(), ...r });
      process.stderr.write(`  round ${round} ${v}: ${Math.round(r.rps)} req/s, p50 ${r.p50ms.toFixed(2)} ms, p99 ${r.p99ms.toFixed(2)} ms, max ${r.maxms.toFixed(0)} ms, srv ${Math.round(r.serverUs)} µs\n`);
    }
  }
} finally {
  for (const n of nodes.values()) await n.stop();
}

interface Probe {
  slices: { at: number; maxDelayMs: number; p99DelayMs: number; cpuMs: number }[];
  gcs: { at: number; ms: number; kind: string }[];
  /** [at, ms, at, ms, …]: each request's time in the server ('request' to 'finish'). */
  inServer: number[];
  /** [at, ms, …]: each keep-alive socket's gap from one response's 'finish' to its next request. */
  gaps: number[];
  /** [at, ms, …]: each new connection's 'connection' event (at) and its wait for its first request. */
  firsts: number[];
}
/** From the first to the last 'connection' event inside [from, to], ms. */
function acceptSpread(xs: number[], from: number, to: number): number {
  const at: number[] = [];
  for (let i = 0; i < xs.length; i += 2) if (xs[i]! >= from && xs[i]! <= to) at.push(xs[i]!);
  return at.length < 2 ? 0 : Math.round(Math.max(...at) - Math.min(...at));
}

/** The p50 / p99 / max of the ms of a flat [at, ms, …] array's pairs inside [from, to]. */
function pairsSummary(xs: number[], from: number, to: number): string {
  const v: number[] = [];
  for (let i = 0; i < xs.length; i += 2) if (xs[i]! >= from && xs[i]! <= to) v.push(xs[i + 1]!);
  v.sort((a, b) => a - b);
  const at = (p: number) => (v.length === 0 ? 0 : v[Math.min(v.length - 1, Math.floor((p / 100) * v.length))]!);
  return `${at(50).toFixed(1)} / ${at(99).toFixed(1)} / ${at(100).toFixed(0)}`;
}
/** Per Trent cell: the event loop's delays and the GC pauses inside the cell's window. */
const probeRows: Record<string, string | number>[] = [];
if (PROBE) {
  for (const c of cells.filter((x) => x.server !== 'bare')) {
    const f = probeFile(c.server);
    if (!existsSync(f)) continue;
    const p = JSON.parse(readFileSync(f, 'utf8')) as Probe;
    const sl = p.slices.filter((s) => s.at > c.from && s.at <= c.to);
    const gc = p.gcs.filter((g) => g.at >= c.from && g.at <= c.to);
    const byKind = (k: string) => gc.filter((g) => g.kind === k);
    const sum = (xs: { ms: number }[]) => xs.reduce((a, x) => a + x.ms, 0);
    const maxOf = (xs: { ms: number }[]) => xs.reduce((a, x) => Math.max(a, x.ms), 0);
    probeRows.push({
      round: c.round,
      server: c.server,
      'loop max ms': sl.reduce((a, s) => Math.max(a, s.maxDelayMs), 0),
      'slices >20ms': sl.filter((s) => s.maxDelayMs > 20).length,
      'slices >50ms': sl.filter((s) => s.maxDelayMs > 50).length,
      'minor gc n/ms/max': `${byKind('minor').length} / ${Math.round(sum(byKind('minor')))} / ${maxOf(byKind('minor')).toFixed(1)}`,
      'major gc n/ms/max': `${byKind('major').length} / ${Math.round(sum(byKind('major')))} / ${maxOf(byKind('major')).toFixed(1)}`,
      'incr gc n/ms': `${byKind('incremental').length} / ${Math.round(sum(byKind('incremental')))}`,
      'in server p50/p99/max': pairsSummary(p.inServer, c.from, c.to),
      'socket gap p50/p99/max': pairsSummary(p.gaps, c.from, c.to),
      // wrk opens its connections at the start of each cell: the spread of their 'connection' events.
      'accepts spread ms': acceptSpread(p.firsts, c.from, c.to),
    });
  }
  if (process.env.WRK_KEEP_PROBE) for (const v of variants.filter((x) => x !== 'bare')) if (existsSync(probeFile(v))) writeFileSync(join(import.meta.dirname, 'results', `wrk-probe-${v.replace(/\W+/g, '-')}.json`), readFileSync(probeFile(v)));
}
rmSync(work, { recursive: true, force: true });

const rows = cells.map((c) => ({ round: c.round, server: c.server, 'req/s': Math.round(c.rps), 'p50 ms': c.p50ms, 'p99 ms': c.p99ms, 'p99.9 ms': c.p999ms, 'max ms': Math.round(c.maxms), 'srv us': Math.round(c.serverUs) }));
const medians = variants.map((v) => {
  const cs = cells.filter((c) => c.server === v);
  const bare = cells.filter((c) => c.server === 'bare');
  return {
    server: v,
    'req/s': Math.round(median(cs.map((c) => c.rps))),
    'p50 ms': median(cs.map((c) => c.p50ms)),
    'p99 ms': median(cs.map((c) => c.p99ms)),
    'p99.9 ms': median(cs.map((c) => c.p999ms)),
    'srv us': Math.round(median(cs.map((c) => c.serverUs))),
    // Each cell's p99 over the bare cell of its round, then the median of those.
    'x bare p99': median(cs.map((c) => c.p99ms / Math.max(bare.find((b) => b.round === c.round)!.p99ms, 0.001))),
  };
});
const machine = { cpus: availableParallelism(), model: cpus()[0]?.model ?? 'unknown', node: process.version };
process.stdout.write(`wrk -t${THREADS} -c${CONNECTIONS} -d${SECONDS}s --latency, one pre-signed ${OPERATION === 'Encrypt' ? '1 KiB Encrypt' : OPERATION}; ${ROUNDS} rounds alternated; ${machine.cpus} cores (${machine.model}), node ${machine.node}\n`);
if (NODE_ARGS.length > 0 || SERVE_ARGS.length > 0) process.stdout.write(`Trent: node ${NODE_ARGS.join(' ')} bin/trent.js serve ${SERVE_ARGS.join(' ')}\n`);
process.stdout.write(`\n${table(rows)}\n\nmedians:\n${table(medians)}\n`);
if (probeRows.length > 0) process.stdout.write(`\nevent loop (100 ms slices) and GC pauses in each Trent cell:\n${table(probeRows)}\n`);
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(
  join(import.meta.dirname, 'results', 'wrk.json'),
  `${JSON.stringify({ bench: 'wrk', date: new Date().toISOString(), baselineRoot: BASE_ROOT, threads: THREADS, connections: CONNECTIONS, seconds: SECONDS, rounds: ROUNDS, nodeArgs: NODE_ARGS, serveArgs: SERVE_ARGS, machine, cells, medians, ...(PROBE ? { probe: probeRows } : {}) }, null, 2)}\n`,
);
