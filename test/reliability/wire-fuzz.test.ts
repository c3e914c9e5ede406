/**
 * Wire fuzzing: property-based (fast-check) and mutation fuzzing of Trent's JSON 1.1
 * endpoint, against a child process so a crash is seen as an exit.
 *
 * - Invalid by construction — random bytes, truncated, huge (> 1 MiB, also chunked) and deep
 *   bodies, a wrong JSON type in every field of every operation (nested fields too), every
 *   required field missing, invalid base64 in every blob, bad/missing/tampered signatures, odd
 *   targets, methods and paths, long and too many headers, broken HTTP on a raw socket — must be
 *   an AWS-shaped 4xx and leave every row of the store as it was.
 * - Mutations of valid requests — random JSON values, unicode edge cases (lone surrogates, NUL,
 *   BOM, RTL, combining marks, astral planes), edge numbers, duplicated keys, dropped fields —
 *   may succeed but never answer a 5xx.
 * (Slow-loris connections: slow-clients.test.ts.)
 *
 * `npm test` sends a few thousand requests; `npm run test:fuzz` sends 100,000
 * (TRENT_FUZZ_REQUESTS sets any number; TRENT_TEST_SEED replays a run).
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { spawnTrent, tempDir, TEST_ACCESS_KEY_ID, TEST_SECRET, type ChildTrent } from '../support/trent.ts';
import { invalidBodyArb, invalidHttpArb, mutationArb, randomJsonArb, rawArb, systematicCases, type FuzzCase, type Fixtures } from './lib/fuzz-cases.ts';
import { newTally, runCases, type FuzzTally } from './lib/fuzz-exec.ts';
import { makeFixtures, sqliteSnapshot } from './lib/fixtures.ts';
import { newSeed } from './lib/rand.ts';
import { WireClient } from './lib/wire-client.ts';

const REQUESTS = Number(process.env.TRENT_FUZZ_REQUESTS ?? 3000);
const SEED = newSeed();

/** Lazily drawn samples, so a 100,000-case run never holds every body at once. */
function* sampled<T>(arb: fc.Arbitrary<T>, n: number, seed: number): Generator<T> {
  for (let done = 0, batch = 0; done < n; batch++) {
    const k = Math.min(250, n - done);
    yield* fc.sample(arb, { numRuns: k, seed: seed + batch });
    done += k;
  }
}

function* concat<T>(...parts: Iterable<T>[]): Generator<T> {
  for (const p of parts) yield* p;
}

function report(name: string, t: FuzzTally): string {
  return `${name}: ${t.requests} requests (${(t.bytesSent / 1e6).toFixed(1)} MB), ${t.accepted} accepted, ${t.closedWithoutAnswer} closed without answer ${JSON.stringify(t.closedByFamily)}; status ${JSON.stringify(t.byStatus)}; families ${JSON.stringify(t.byFamily)}; types ${JSON.stringify(t.byType)}`;
}

let trent: ChildTrent;
let dir: string;
let client: WireClient;
let fx: Fixtures;
const stderrProblems = () => trent.stderr().split('\n').filter((l) => /internal error|unhandled|uncaught|FATAL|heap out of memory/i.test(l));

before(async () => {
  dir = tempDir('trent-fuzz-');
  trent = await spawnTrent(['--data-dir', dir, '--no-tls']);
  client = new WireClient(trent.url, { timeoutMs: 10_000, maxSockets: 16 });
  fx = await makeFixtures(client);
  process.stdout.write(`# wire fuzz: seed ${SEED}, ${REQUESTS} requests\n`);
});

after(async () => {
  client?.close();
  if (trent) {
    const alive = trent.proc.exitCode === null && trent.proc.signalCode === null;
    trent.proc.kill('SIGTERM');
    const exit = await trent.exited;
    rmSync(dir, { recursive: true, force: true });
    assert.ok(alive, `Trent died during the fuzzing: ${trent.stderr().slice(-2000)}`);
    assert.equal(exit.code, 0, `Trent stopped badly: ${trent.stderr().slice(-2000)}`);
  }
});

function assertAlive() {
  assert.equal(trent.proc.exitCode, null, `Trent exited: ${trent.stderr().slice(-2000)}`);
  assert.equal(trent.proc.signalCode, null, `Trent was killed: ${trent.stderr().slice(-2000)}`);
  assert.deepEqual(stderrProblems(), [], 'no internal errors logged');
}

describe('wire fuzzing', () => {
  test('fuzz cases', { timeout: Math.max(300_000, REQUESTS * 30) }, async (t) => {
    await t.test('invalid requests: each an AWS-shaped 4xx; the store is unchanged', async () => {
      const systematic = systematicCases(fx);
      const random = Math.max(500, Math.floor(REQUESTS / 2) - systematic.length);
      const cases: Iterable<FuzzCase> = concat<FuzzCase>(
        systematic,
        sampled(invalidBodyArb(fx), Math.floor(random * 0.45), SEED),
        sampled(invalidHttpArb(fx), Math.floor(random * 0.35), SEED + 100_000),
        sampled(rawArb(), Math.floor(random * 0.2), SEED + 200_000),
      );
      const before = sqliteSnapshot(dir);
      const tally = newTally();
      await runCases(client, cases, tally, { concurrency: 16, timeoutMs: 10_000 });
      process.stdout.write(`# ${report('invalid', tally)}\n`);
      assert.deepEqual(tally.failures.slice(0, 30), [], `${tally.failures.length} failures (TRENT_TEST_SEED=${SEED}); Trent logged: ${stderrProblems().join('\n').slice(0, 4000)}`);
      assert.equal(sqliteSnapshot(dir), before, 'invalid requests changed the store');
      assertAlive();
    });

    await t.test('mutations of valid requests: never a 5xx, never a hang', async () => {
      const n = Math.max(500, REQUESTS - Math.floor(REQUESTS / 2));
      const tally = newTally();
      await runCases(client, concat<FuzzCase>(sampled(mutationArb(fx), Math.floor(n * 0.85), SEED + 300_000), sampled(randomJsonArb(), Math.ceil(n * 0.15), SEED + 400_000)), tally, { concurrency: 16, timeoutMs: 10_000 });
      process.stdout.write(`# ${report('mutations', tally)}\n`);
      assert.deepEqual(tally.failures.slice(0, 30), [], `${tally.failures.length} failures (TRENT_TEST_SEED=${SEED}); Trent logged: ${stderrProblems().join('\n').slice(0, 4000)}`);
      assert.ok(tally.accepted > 0, 'some mutations were valid requests');
      // Still healthy: an ordinary request works.
      const r = await client.call('Encrypt', { KeyId: fx.symAlias, Plaintext: 'aGVsbG8=' });
      assert.equal(r.status, 200, r.text);
      assertAlive();
    });

    await t.test('STS on the same endpoint (Query protocol): never a 5xx, errors as STS XML', async () => {
      const u = new URL(trent.url);
      const signer = new SignatureV4({ credentials: { accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET }, region: 'us-east-1', service: 'sts', sha256: Sha256 });
      const value = fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('', '0', '-1', '900', '43200', '99999999999999999999', 'arn:aws:iam::111122223333:role/x', 'arn:aws:iam::111122223333:root', '__proto__'));
      const form = fc.tuple(
        fc.constantFrom('AssumeRole', 'GetCallerIdentity', 'AssumeRoleWithWebIdentity', 'GetSessionToken', '', 'assumerole', '__proto__'),
        fc.dictionary(fc.constantFrom('RoleArn', 'RoleSessionName', 'DurationSeconds', 'Version', 'Policy', 'ExternalId', '__proto__', 'Action'), value, { maxKeys: 5 }),
        fc.boolean(),
      ).map(([action, params, raw]) => (raw ? Buffer.from(`Action=${action}&${Object.entries(params).map(([k, v]) => `${k}=${v}`).join('&')}`) : Buffer.from(new URLSearchParams({ Action: action, Version: '2011-06-15', ...params }).toString())));
      const n = Math.max(200, Math.floor(REQUESTS / 50));
      const statuses: Record<string, number> = {};
      const failures: string[] = [];
      for (const body of sampled(form, n, SEED + 500_000)) {
        const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: '/', headers: { host: u.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body });
        const r = await client.send({ headers: signed.headers as Record<string, string>, body });
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (r.status >= 500) failures.push(`HTTP ${r.status} ${r.text.slice(0, 200)} for ${body.toString('latin1').slice(0, 120)}`);
        else if (r.status !== 200 && !/^<ErrorResponse[^>]*><Error><Type>Sender<\/Type><Code>[^<]+<\/Code><Message>/.test(r.text)) failures.push(`HTTP ${r.status} not STS-shaped: ${r.text.slice(0, 200)}`);
      }
      process.stdout.write(`# sts: ${n} requests; status ${JSON.stringify(statuses)}\n`);
      assert.deepEqual(failures.slice(0, 20), [], `${failures.length} failures (TRENT_TEST_SEED=${SEED}); Trent logged: ${stderrProblems().join('\n').slice(0, 4000)}`);
      assertAlive();
    });
  });
});
