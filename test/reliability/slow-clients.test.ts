/**
 * Slow-loris: connections that trickle their headers, send nothing, trickle a body
 * (long form), or — with TLS — never say hello or go quiet after the handshake are closed by the
 * server within its bounds (headers 10 s, request 30 s, handshake 10 s; checked every second),
 * answered AWS-shaped if at all, while ordinary requests keep being served. In its own process:
 * a test process busy generating fuzz cases would measure its own stalls, not the server's.
 *
 * Regressions: timeouts were checked every 30 s (a silent connection stayed up to 40 s), and a
 * TCP client that never sent a TLS ClientHello was never closed.
 * `TRENT_SLOW_CLIENTS=200` (set by `npm run test:fuzz`) holds 200 of each kind instead of 20.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { after, before, test } from 'node:test';
import { spawnTrent, tempDir, type ChildTrent } from '../support/trent.ts';
import { awsShapeProblem, parseRawResponse } from './lib/fuzz-exec.ts';
import { WireClient } from './lib/wire-client.ts';

const N = Number(process.env.TRENT_SLOW_CLIENTS ?? 20);
const LONG = N >= 100;
/** Server bounds (src/server/connection-limits.ts) plus slack for the 1 s checking interval and a busy machine. */
const HEADERS_BOUND_MS = 10_000 + 6_000;
const HANDSHAKE_BOUND_MS = 10_000 + 6_000;

let trent: ChildTrent;
let secure: ChildTrent;
let dir: string;
let secureDir: string;
let client: WireClient;

before(async () => {
  dir = tempDir('trent-slow-');
  secureDir = tempDir('trent-slow-tls-');
  [trent, secure] = await Promise.all([spawnTrent(['--data-dir', dir, '--no-tls']), spawnTrent(['--data-dir', secureDir])]);
  client = new WireClient(trent.url, { timeoutMs: 10_000 });
});

after(async () => {
  client?.close();
  trent.proc.kill('SIGTERM');
  secure.proc.kill('SIGTERM');
  const [exit] = await Promise.all([trent.exited, secure.exited]);
  rmSync(dir, { recursive: true, force: true });
  rmSync(secureDir, { recursive: true, force: true });
  assert.equal(exit.code, 0, trent.stderr().slice(-2000));
});

function assertAlive() {
  assert.equal(trent.proc.exitCode, null, `Trent exited: ${trent.stderr().slice(-2000)}`);
  assert.deepEqual(trent.stderr().split('\n').filter((l) => /internal error|unhandled|uncaught/i.test(l)), [], 'no internal errors logged');
}

test('slow-loris: slow, idle and half-open connections are closed within the timeouts; others are served', { timeout: 120_000 }, async () => {
  const port = Number(new URL(trent.url).port);
  const n = N;
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
  {
    const sport = Number(new URL(secure.url).port);
    for (let i = 0; i < Math.ceil(n / 2); i++) {
      conns.push(watch(net.connect(sport, '127.0.0.1'), `TLS without hello #${i}`, HANDSHAKE_BOUND_MS));
      conns.push(watch(tls.connect({ port: sport, host: '127.0.0.1', rejectUnauthorized: false }), `TLS idle after handshake #${i}`, HEADERS_BOUND_MS));
    }
    // Meanwhile every ordinary request is answered promptly.
    let served = 0;
    while (served < 20 || Date.now() - started < 6_000) {
      const r = await client.call('ListKeys', { Limit: 1 });
      assert.equal(r.status, 200, r.text);
      served++;
    }
    const problems = (await Promise.all(conns)).filter((p): p is string => p !== undefined);
    process.stdout.write(`# slow-loris: ${conns.length} slow connections closed by the server within bounds; ${served} ordinary requests served meanwhile\n`);
    assert.deepEqual(problems.slice(0, 20), [], `${problems.length} slow connections misbehaved`);
  }
  assertAlive();
});
