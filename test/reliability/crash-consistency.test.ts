/**
 * Crash consistency: SIGKILL at random moments under a mixed write load from several
 * clients, on the embedded SQLite and on PostgreSQL. `npm test` runs 5 cycles on each store;
 * `npm run test:crash` runs 100 (TRENT_CRASH_CYCLES sets any number, TRENT_TEST_SEED replays
 * the driver's choices). What each cycle checks: test/reliability/lib/crash-driver.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dropTestDatabase, postgresOrSkip } from '../support/postgres.ts';
import { runCrashCycles, type CrashReport } from './lib/crash-driver.ts';
import { newSeed } from './lib/rand.ts';

const CYCLES = Number(process.env.TRENT_CRASH_CYCLES ?? 5);

function summary(store: string, r: CrashReport): string {
  const acked = Object.values(r.acked).reduce((a, b) => a + b, 0);
  const unknown = Object.values(r.unknown).reduce((a, b) => a + b, 0);
  return (
    `crash ${store}: seed ${r.seed}, ${r.kills} kills in ${r.seconds} s; ${acked} acknowledged changes/ciphertexts ${JSON.stringify(r.acked)}, ` +
    `${unknown} unanswered ${JSON.stringify(r.unknown)}; ${r.keys} keys (${r.deletedKeys} deleted), ${r.aliases} aliases, ` +
    `${r.ciphertexts} ciphertexts, ${r.decrypted} decryptions checked, ${r.storeChecks} store rows checked`
  );
}

function judge(store: string, r: CrashReport) {
  process.stdout.write(`# ${summary(store, r)}\n`);
  assert.deepEqual(r.violations, [], `crash consistency on ${store} (TRENT_TEST_SEED=${r.seed})`);
  assert.equal(r.kills, CYCLES);
  assert.ok((r.acked.Encrypt ?? 0) > 0 && (r.acked.CreateKey ?? 0) > 0, 'the load did something');
}

const pgUrl = await postgresOrSkip('PostgreSQL: kill -9 cycles under mixed write load');

// The two stores run side by side: most of a cycle is a process starting (module loading) or waiting.
describe('crash consistency', { concurrency: 2 }, () => {
  test(`SQLite: ${CYCLES} kill -9 cycles under mixed write load`, { timeout: Math.max(180_000, CYCLES * 40_000) }, async (t) => {
    const r = await runCrashCycles({ cycles: CYCLES, seed: newSeed(), log: (l) => t.diagnostic(l) });
    judge('sqlite', r);
  });

  if (pgUrl !== undefined) {
    test(`PostgreSQL: ${CYCLES} kill -9 cycles under mixed write load`, { timeout: Math.max(180_000, CYCLES * 40_000) }, async (t) => {
      try {
        const r = await runCrashCycles({ cycles: CYCLES, seed: newSeed(), storeUrl: pgUrl, log: (l) => t.diagnostic(l) });
        judge('postgres', r);
      } finally {
        await dropTestDatabase(pgUrl);
      }
    });
  }
});
