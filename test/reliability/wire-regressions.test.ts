/**
 * Regressions for what the reliability suites found at the wire, each pinned by a
 * direct test. (Slow and idle connections, TLS clients that never say hello, and chunked bodies
 * past the limit are pinned in wire-fuzz.test.ts and resource-bounds.test.ts.)
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { startTrent, type Harness } from '../support/trent.ts';
import { awsShapeProblem, parseRawResponse, sendRaw } from './lib/fuzz-exec.ts';
import { ok } from './lib/fixtures.ts';
import { WireClient } from './lib/wire-client.ts';

let h: Harness;
let client: WireClient;
const logs: string[] = [];

before(async () => {
  h = await startTrent({ tls: false, options: { log: (l) => logs.push(l) } });
  client = new WireClient(h.trent.url);
});
after(async () => {
  client.close();
  await h.stop();
});

const internalErrors = () => logs.filter((l) => /internal error|unhandled/.test(l));

test('a timestamp past the range of a Date is a SerializationException, not a 500 (it broke the audit record)', async () => {
  const ext = ((await ok(client, 'CreateKey', { Origin: 'EXTERNAL' })).KeyMetadata as { KeyId: string }).KeyId;
  for (const validTo of [2 ** 53, 1e308, -1e308, 8.64e12 + 1]) {
    const r = await client.call('ImportKeyMaterial', { KeyId: ext, ImportToken: 'eA==', EncryptedKeyMaterial: 'eA==', ValidTo: validTo });
    assert.equal(r.status, 400, `ValidTo ${validTo}: ${r.text}`);
    assert.equal(r.json?.__type, 'SerializationException', `ValidTo ${validTo}`);
  }
  assert.deepEqual(internalErrors(), []);
});

test('what the HTTP parser refuses is answered AWS-shaped: 431 for huge headers, 400 for garbage', async () => {
  const port = Number(client.url.port);
  const cases: [string, Buffer, number, string][] = [
    ['header overflow', Buffer.from(`POST / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`), 431, 'RequestHeaderFieldsTooLargeException'],
    ['garbage', Buffer.from('\u0000\u0001GARBAGE\r\n\r\n'), 400, 'SerializationException'],
    ['two lengths', Buffer.from('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}'), 400, 'SerializationException'],
  ];
  for (const [what, bytes, status, type] of cases) {
    const { data, timedOut } = await sendRaw(port, bytes, 5_000);
    assert.ok(!timedOut, what);
    const r = parseRawResponse(data);
    assert.ok(r, `${what}: an HTTP answer (${data.toString('latin1').slice(0, 80)})`);
    assert.equal(r.status, status, what);
    assert.equal(awsShapeProblem(r.status, r.headers, r.text), undefined, what);
    assert.equal(JSON.parse(r.text).__type, type, what);
  }
});

test('a client that leaves in the middle of its body is not an internal error', async () => {
  const port = Number(client.url.port);
  const headers = client.sign('TrentService.ListKeys', '{"Limit": 10}');
  const s = net.connect(port, '127.0.0.1');
  await new Promise<void>((r) => s.on('connect', () => r()));
  s.write(`POST / HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\nContent-Length: 13\r\n\r\n{"Limit"`);
  await new Promise((r) => setTimeout(r, 200));
  s.destroy();
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(internalErrors(), [], 'no internal error logged');
  assert.equal((await client.call('ListKeys', {})).status, 200);
});
