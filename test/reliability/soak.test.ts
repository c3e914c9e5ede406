/**
 * The soak's CI form: 30 s at 80% of the measured maximum throughput (bench/lib/soak.ts);
 * zero errors, RSS growth under 10% after the warm-up, no file-descriptor growth, p99 stable.
 * The 10-minute form: `npm run bench:soak`. TRENT_SOAK_SECONDS sets the length here.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSoak } from '../../bench/lib/soak.ts';

const SECONDS = Number(process.env.TRENT_SOAK_SECONDS ?? 30);

test(`soak: ${SECONDS} s at 80% of the maximum throughput`, { timeout: (SECONDS + 120) * 1000 }, async () => {
  const r = await runSoak({ seconds: SECONDS, warmupSeconds: Math.max(5, Math.round(SECONDS / 3)), probeSeconds: 4, fraction: 0.8, connections: 16, windowSeconds: SECONDS >= 120 ? 10 : 1 });
  process.stdout.write(
    `# soak ${SECONDS} s: max ${r.maxRps.toFixed(0)} req/s (probes ${r.probes.join(', ')}), target ${r.targetRps.toFixed(0)}, achieved ${r.achievedRps.toFixed(0)}; ${r.requests} requests, ${r.errors} errors, ${r.shed} not sent (backlog); ` +
      `RSS ${r.rss.warmMB} → ${r.rss.endMB} MB (${r.rss.growthPct}%); fds ${r.fds.warm} → ${r.fds.end} (max ${r.fds.max}); p99 ${r.p99.earlyMs} → ${r.p99.lateMs} ms\n`,
  );
  assert.deepEqual(r.errorSamples, [], 'no errors');
  assert.equal(r.errors, 0);
  assert.ok(r.checks.rss, `RSS grew ${r.rss.growthPct}% after the warm-up`);
  assert.ok(r.checks.fds, `file descriptors ${r.fds.warm} → ${r.fds.end} (max ${r.fds.max})`);
  // Whether the rate held is checked by the 10-minute form (bench/soak.ts): in 30 s on a shared
  // 2-core machine, one stall of the other suites' leftovers decides it (seen: 5% not sent).
  // p99 is judged on the lower quartile of each third's per-window p99s, one-second windows in the
  // short form: stalls of the shared machine come and go (CI saw a 3-s window at 550 ms, and later
  // four of six late windows at 52–160 ms between windows at 15), a server that degrades is slow
  // in every late window.
  assert.ok(r.checks.p99, `p99 ${r.p99.earlyMs} → ${r.p99.lateMs} ms; per-window p99 after the warm-up: ${r.windows.filter((w) => w.t > Math.max(5, Math.round(SECONDS / 3))).map((w) => w.p99ms.toFixed(0)).join(' ')}`);
});
