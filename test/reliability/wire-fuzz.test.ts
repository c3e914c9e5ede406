/**
 * Wire fuzzing (issue 9): property-based (fast-check) and mutation fuzzing of Trent's JSON 1.1
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
 * - Slow-loris: connections that trickle their headers, send nothing, or (TLS) never finish the
 *   handshake are closed by the server within its timeouts while it keeps serving others.
 *
 * `npm test` sends a few thousand requests; `npm run test:fuzz` sends 100,000
 * (TRENT_FUZZ_REQUESTS sets any number; TRENT_TEST_SEED replays a run).
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { spawnTrent, tempDir, type ChildTrent } from '../support/trent.ts';
import { invalidBodyArb, invalidHttpArb, mutationArb, randomJsonArb, rawArb, systematicCases, type FuzzCase, type Fixtures } from './lib/fuzz-cases.ts';
import { awsShapeProblem, newTally, parseRawResponse, runCases, type FuzzTally } from './lib/fuzz-exec.ts';
import { makeFixtures, sqliteSnapshot } from './lib/fixtures.ts';
import { newSeed } from './lib/rand.ts';
import { WireClient } from './lib/wire-client.ts';

const REQUESTS = Number(process.env.TRENT_FUZZ_REQUESTS ?? 3000);
const SEED = newSeed();
const LONG = REQUESTS >= 20_000;
/** Server bounds (src/server/http-server.ts) plus slack for the checking interval and a busy machine. */
const HEADERS_BOUND_MS = 10_000 + 6_000;
const HANDSHAKE_BOUND_MS = 10_000 + 6_000;

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

describe('wire fuzzing', { concurrency: 2 }, () => {
  test('slow-loris: slow, idle and half-open connections are closed within the timeouts; others are served', { timeout: 120_000 }, async () => {
    const port = Number(new URL(trent.url).port);
    const n = LONG ? 200 : 20;
    const started = Date.now();
    const conns: Promise<string | undefined>[] = [];
    const watch = (s: net.Socket, name: string, boundMs: number, trickle?: string) =>
      new Promise<string | undefined>((resolve) => {
        const t0 = Date.now();
        let data = '';
        let i = 0;
        const timer = trickle !== undefined ? setInterval(() => s.writable && i < trickle.length && s.write(trickle[i++]!), 250) : undefined;
        const hard = setTimeout(() => {
          s.destroy();
          resolve(`${name}: still open after ${boundMs} ms`);
        }, boundMs);
        s.on('data', (d: Buffer) => (data += d.toString('latin1')));
        s.on('error', () => undefined);
        s.on('close', () => {
          clearInterval(timer);
          clearTimeout(hard);
          if (data === '') return resolve(undefined);
          const r = parseRawResponse(Buffer.from(data, 'latin1'));
          if (!r) return resolve(`${name}: answered ${JSON.stringify(data.slice(0, 80))}`);
          if (r.status < 400 || r.status >= 500) return resolve(`${name}: HTTP ${r.status} after ${Date.now() - t0} ms`);
          return resolve(awsShapeProblem(r.status, r.headers, r.text) && `${name}: ${awsShapeProblem(r.status, r.headers, r.text)}`);
        });
      });
    const slowHead = `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: TrentService.ListKeys\r\nX-Slow: ${'s'.repeat(400)}`;
    for (let i = 0; i < n; i++) {
      conns.push(watch(net.connect(port, '127.0.0.1'), `slow headers #${i}`, HEADERS_BOUND_MS, slowHead));
      conns.push(watch(net.connect(port, '127.0.0.1'), `idle #${i}`, HEADERS_BOUND_MS));
    }
    if (LONG) {
      // A body trickled below any useful rate: bounded by the request timeout (30 s).
      for (let i = 0; i < 20; i++) {
        const s = net.connect(port, '127.0.0.1');
        s.on('connect', () => s.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n'));
        conns.push(watch(s, `slow body #${i}`, 30_000 + 6_000, 'b'.repeat(1000)));
      }
    }
    // TLS: a client that never says hello, and one that completes the handshake then goes quiet.
    const secureDir = tempDir('trent-fuzz-tls-');
    const secure = await spawnTrent(['--data-dir', secureDir]);
    try {
      const sport = Number(new URL(secure.url).port);
      for (let i = 0; i < Math.ceil(n / 2); i++) {
        conns.push(watch(net.connect(sport, '127.0.0.1'), `TLS without hello #${i}`, HANDSHAKE_BOUND_MS));
        conns.push(watch(tls.connect({ port: sport, host: '127.0.0.1', rejectUnauthorized: false }), `TLS idle after handshake #${i}`, HEADERS_BOUND_MS));
      }
      // Meanwhile every ordinary request is answered promptly.
      let served = 0;
      while (Date.now() - started < 6_000) {
        const r = await client.call('ListKeys', { Limit: 1 });
        assert.equal(r.status, 200, r.text);
        served++;
      }
      const problems = (await Promise.all(conns)).filter((p): p is string => p !== undefined);
      process.stdout.write(`# slow-loris: ${conns.length} slow connections closed by the server within bounds; ${served} ordinary requests served meanwhile\n`);
      assert.deepEqual(problems.slice(0, 20), [], `${problems.length} slow connections misbehaved`);
    } finally {
      secure.proc.kill('SIGTERM');
      await secure.exited;
      rmSync(secureDir, { recursive: true, force: true });
    }
    assertAlive();
  });

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
  });
});
