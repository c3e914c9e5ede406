/**
 * What the durable audit trail costs: Encrypt throughput of a node that makes every request's
 * audit record durable (group commit: write + fdatasync shared by the requests that arrive
 * together) as a ratio to a node without audit, in the same run, at several concurrency levels.
 * A third node writes the same records without fdatasync: the CPU cost of building, redacting
 * and hashing records, apart from durability. Rounds rotate the order of the nodes so drift in
 * the machine affects all alike, and each ratio is the median of the rounds' own ratios (each
 * round runs the three nodes back to back), which a busy machine disturbs less than a ratio of
 * medians taken minutes apart.
 *
 *   node --import tsx bench/audit.ts [--encrypts 6000] [--rounds 3] [--connections 1,16,64] [--dir <parent of data dirs>]
 *
 * Loopback only, plain HTTP, SQLite store; bounded request counts. The data directories are
 * created under --dir (default: the OS temp dir) — put it on the disk you mean to measure.
 * Writes bench/results/audit.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, TEST_ACCESS_KEY_ID, TEST_SECRET } from '../test/support/trent.ts';
import { kmsCall, median, signedRequest } from './lib/call.ts';
import { runLoad, table } from './lib/load.ts';

const { values } = parseArgs({ options: { encrypts: { type: 'string' }, rounds: { type: 'string' }, connections: { type: 'string' }, dir: { type: 'string' } } });
const flags = {
  encrypts: Number(values.encrypts ?? 6000),
  rounds: Number(values.rounds ?? 3),
  connections: (values.connections ?? '1,16,64').split(',').map(Number),
  dir: values.dir ?? tmpdir(),
};
if (!(flags.encrypts > 0 && flags.encrypts <= 200_000) || !(flags.rounds > 0 && flags.rounds <= 20) || flags.connections.some((c) => !(c > 0 && c <= 512))) {
  throw new Error('--encrypts 1..200000, --rounds 1..20, --connections 1..512 each');
}

type Mode = 'on' | 'off' | 'nosync';

interface Node {
  audit: Mode;
  url: string;
  dir: string;
  kill: () => Promise<void>;
}

async function startNode(audit: Mode): Promise<Node> {
  const dir = mkdtempSync(join(flags.dir, `trent-bench-audit-${audit}-`));
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/audit-node.ts'), '--data-dir', dir, '--audit', audit], {
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
      throw new Error(`audit bench node (${audit}) did not start: ${out}\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    audit,
    dir,
    url: /listening on (\S+)/.exec(out)![1]!,
    kill: async () => {
      proc.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Sum and count of a histogram in the Prometheus text of /metrics. */
async function histogram(url: string, name: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (suffix: string) => Number(new RegExp(`^${name}_${suffix} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return { sum: read('sum'), count: read('count') };
}

const nodes: Node[] = [];
try {
  for (const audit of ['off', 'nosync', 'on'] as const) nodes.push(await startNode(audit));
  const keys = new Map<Node, string>();
  for (const n of nodes) keys.set(n, (await kmsCall<{ KeyMetadata: { KeyId: string } }>(n.url, 'CreateKey', {})).KeyMetadata.KeyId);
  const plaintext = Buffer.alloc(64, 7).toString('base64');
  const rps = new Map<string, number[]>();
  const batches = new Map<number, { flushes: number; entries: number; seconds: number }>();
  for (let r = 0; r < flags.rounds; r++) {
    for (const c of flags.connections) {
      for (const n of [...nodes.slice(r % nodes.length), ...nodes.slice(0, r % nodes.length)]) {
        const make = (_i: number, node: URL) => signedRequest(node, 'Encrypt', { KeyId: keys.get(n)!, Plaintext: plaintext, EncryptionContext: { bench: 'audit' } });
        const requests = Math.max(200, Math.round(flags.encrypts * Math.min(1, c / 16)));
        await runLoad({ url: n.url, connections: c, requests: Math.min(300, requests), make }); // warm-up
        const before = n.audit === 'on' ? { e: await histogram(n.url, 'trent_audit_flush_entries'), d: await histogram(n.url, 'trent_audit_flush_duration_seconds') } : undefined;
        const res = await runLoad({ url: n.url, connections: c, requests, make });
        const k = `${n.audit}/${c}`;
        rps.set(k, [...(rps.get(k) ?? []), res.rps]);
        if (before) {
          const e = await histogram(n.url, 'trent_audit_flush_entries');
          const d = await histogram(n.url, 'trent_audit_flush_duration_seconds');
          const b = batches.get(c) ?? { flushes: 0, entries: 0, seconds: 0 };
          // Minus the scrape's own nothing: /metrics is not audited.
          batches.set(c, { flushes: b.flushes + (e.count - before.e.count), entries: b.entries + (e.sum - before.e.sum), seconds: b.seconds + (d.sum - before.d.sum) });
        }
      }
    }
    process.stderr.write(`round ${r + 1}/${flags.rounds} done\n`);
  }
  const rows = flags.connections.map((c) => {
    const offs = rps.get(`off/${c}`)!;
    const off = median(offs);
    const on = median(rps.get(`on/${c}`)!);
    const nosync = median(rps.get(`nosync/${c}`)!);
    const perRound = (mode: Mode) => median(rps.get(`${mode}/${c}`)!.map((v, i) => v / offs[i]!));
    const b = batches.get(c)!;
    return {
      connections: c,
      auditOffPerSecond: off,
      recordsWithoutSyncPerSecond: nosync,
      recordsWithoutSyncRatio: perRound('nosync'),
      durableAuditPerSecond: on,
      ratio: perRound('on'),
      entriesPerFlush: b.entries / Math.max(1, b.flushes),
      flushMs: (b.seconds / Math.max(1, b.flushes)) * 1000,
      rounds: { off: rps.get(`off/${c}`), nosync: rps.get(`nosync/${c}`), on: rps.get(`on/${c}`) },
    };
  });
  const out = process.stdout;
  out.write(`\naudit: Encrypt/s on one SQLite node (plain HTTP, loopback), records without fdatasync and durable audit vs audit off, median of ${flags.rounds} rounds (ratios: median of each round's ratio); data dirs under ${flags.dir}\n\n`);
  out.write(
    table(
      rows.map((r) => ({
        connections: r.connections,
        'audit off /s': Math.round(r.auditOffPerSecond),
        'records, no fdatasync /s': Math.round(r.recordsWithoutSyncPerSecond),
        'ratio ': r.recordsWithoutSyncRatio,
        'durable audit /s': Math.round(r.durableAuditPerSecond),
        ratio: r.ratio,
        'records per fdatasync': r.entriesPerFlush,
        'flush ms (write+fdatasync)': r.flushMs,
      })),
    ) + '\n',
  );
  const resultsDir = join(ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, 'audit.json');
  writeFileSync(file, JSON.stringify({ bench: 'audit', date: new Date().toISOString(), settings: flags, machine: { cpus: availableParallelism(), node: process.version }, results: rows }, null, 2) + '\n');
  out.write(`\nwrote ${file}\n`);
} finally {
  for (const n of nodes) await n.kill();
}
process.exit(0);
