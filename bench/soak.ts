/**
 * Soak: Trent at 80% of its measured maximum throughput for a bounded time, on
 * loopback; zero errors, RSS growth under 10% after the warm-up, no file-descriptor growth, p99
 * stable. The long form is 10 minutes; `npm test` runs 30 s (test/reliability/soak.test.ts).
 *
 *   node --import tsx bench/soak.ts [--seconds 600] [--warmup 60] [--probe 10] [--connections 32] [--window 10] [--store postgres://…]
 *   npm run bench:soak            # the 10-minute form
 *
 * Writes bench/results/soak.json; exits 1 when a check fails.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runSoak } from './lib/soak.ts';
import { table } from './lib/load.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string' },
    warmup: { type: 'string' },
    probe: { type: 'string' },
    connections: { type: 'string' },
    window: { type: 'string' },
    store: { type: 'string' },
  },
});
const seconds = Math.min(Number(values.seconds ?? 600), 3600);
const settings = {
  seconds,
  warmupSeconds: Number(values.warmup ?? Math.min(60, Math.round(seconds / 5))),
  probeSeconds: Number(values.probe ?? 10),
  fraction: 0.8,
  connections: Number(values.connections ?? 32),
  windowSeconds: Number(values.window ?? (seconds >= 120 ? 10 : 5)),
};
if (values.store !== undefined && !/^postgres(ql)?:\/\/[^/]*(127\.0\.0\.1|localhost|\[::1\])/.test(values.store)) throw new Error('the soak talks to a loopback store only');

const r = await runSoak({ ...settings, ...(values.store !== undefined ? { storeUrl: values.store } : {}), log: (l) => process.stdout.write(`${l}\n`) });
process.stdout.write(`\n${table(r.windows.map((w) => ({ t: w.t, rps: w.rps, p50ms: w.p50ms, p99ms: w.p99ms, rssMB: w.rssMB, fds: w.fds })))}\n\n`);
process.stdout.write(
  `max ${r.maxRps.toFixed(0)} req/s, target ${r.targetRps.toFixed(0)}, achieved ${r.achievedRps.toFixed(0)}; ${r.requests} requests, ${r.errors} errors, ${r.shed} not sent (backlog); ` +
    `RSS ${r.rss.warmMB} → ${r.rss.endMB} MB (${r.rss.growthPct}%); fds ${r.fds.warm} → ${r.fds.end} (max ${r.fds.max}); p99 ${r.p99.earlyMs} → ${r.p99.lateMs} ms\n` +
    `checks ${JSON.stringify(r.checks)}: ${r.passed ? 'PASS' : 'FAIL'}\n`,
);
if (r.errorSamples.length) process.stdout.write(`errors: ${r.errorSamples.join('\n  ')}\n`);
writeFileSync(
  join(import.meta.dirname, 'results', 'soak.json'),
  `${JSON.stringify({ bench: 'soak', date: new Date().toISOString(), settings: { ...settings, store: values.store !== undefined ? 'postgres' : 'sqlite' }, machine: { cpus: availableParallelism(), node: process.version }, result: r }, null, 2)}\n`,
);
process.exit(r.passed ? 0 : 1);
