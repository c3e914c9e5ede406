/**
 * `trent serve --workers 2`: several processes behind one port serve as one Trent — keys
 * made through one connection are seen on every other, each worker writes its own verifiable audit
 * chain, GET /metrics counts every worker's requests, SIGHUP reaches every worker, SIGTERM exits 0.
 */
import assert from 'node:assert/strict';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { CreateKeyCommand, DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { stsRequest } from '../support/signed-request.ts';
import { dropTestDatabase } from '../support/postgres.ts';
import { kmsClientConfig, ROOT, spawnTrent, tempDir, testStoreUrl } from '../support/trent.ts';
import { DAVE, identities } from '../support/dave-identities.ts';
import { run } from '../support/run.ts';

/** A client whose every request opens a new connection, so the connections spread over the workers. */
function freshConnectionsClient(url: string): KMSClient {
  return new KMSClient({ ...kmsClientConfig(url, undefined), requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: false }) }) });
}

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('two workers serve as one Trent: shared keys, one audit chain each, summed metrics, SIGHUP to all, SIGTERM exits 0', async () => {
  const dir = tempDir();
  const ids = join(dir, 'identities.yaml');
  writeFileSync(ids, identities(false));
  // Under TRENT_TEST_STORE=postgres the workers share a fresh database instead of SQLite.
  const storeUrl = await testStoreUrl();
  const t = await spawnTrent(['--no-tls', '--workers', '2', '--node-id', 'wk', '--data-dir', join(dir, 'data'), '--identities', ids, ...(storeUrl ? ['--store', storeUrl] : [])]);
  const kms = freshConnectionsClient(t.url);
  try {
    assert.match(t.stdout(), /audit trail: .* \(node wk-w0\)/);
    assert.match(t.stdout(), /audit trail: .* \(node wk-w1\)/);
    assert.match(t.stdout(), /2 workers/);

    // Keys created over new connections, each then described over 6 more: every key from every worker.
    const keyIds: string[] = [];
    for (let i = 0; i < 4; i++) keyIds.push((await kms.send(new CreateKeyCommand({ Description: `k${i}` }))).KeyMetadata!.KeyId!);
    for (const id of keyIds) {
      for (let i = 0; i < 6; i++) assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: id }))).KeyMetadata!.KeyId, id);
    }

    // GET /metrics, answered by whichever worker, counts the requests of both.
    const metrics = await get(`${t.url}/metrics`);
    assert.match(metrics, /trent_requests_total\{operation="DescribeKey",code="OK"\} 24\n/);
    assert.match(metrics, /trent_requests_total\{operation="CreateKey",code="OK"\} 4\n/);

    // SIGHUP: every worker re-reads the identities file.
    assert.equal((await stsRequest(t.url, undefined, { Action: 'GetCallerIdentity' }, DAVE)).status, 403, 'dave is unknown at first');
    writeFileSync(ids, identities(true));
    t.proc.kill('SIGHUP');
    for (let i = 0; i < 200 && (t.stdout().match(/SIGHUP: identities reloaded/g) ?? []).length < 2; i++) await sleep(25);
    assert.equal((t.stdout().match(/SIGHUP: identities reloaded/g) ?? []).length, 2, t.stdout());
    for (let i = 0; i < 6; i++) {
      http.globalAgent.destroy(); // a new connection each time: round-robin over the workers
      const r = await stsRequest(t.url, undefined, { Action: 'GetCallerIdentity' }, DAVE);
      assert.equal(r.status, 200, `request ${i} after SIGHUP`);
    }
  } finally {
    kms.destroy();
    t.proc.kill('SIGTERM');
  }
  const exit = await t.exited;
  try {
    assert.deepEqual(exit, { code: 0, signal: null });
    // Both workers served (round-robin over new connections) and each chain verifies.
    const chains = readdirSync(join(dir, 'data', 'audit')).filter((f) => f.endsWith('.jsonl'));
    assert.ok(chains.some((f) => f.startsWith('wk-w0.')) && chains.some((f) => f.startsWith('wk-w1.')), chains.join(' '));
    const v = await run(process.execPath, [join(ROOT, 'bin/trent.js'), 'audit', 'verify', '--data-dir', join(dir, 'data')]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /node wk-w0: OK/);
    assert.match(v.stdout, /node wk-w1: OK/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (storeUrl) await dropTestDatabase(storeUrl);
  }
});

test('--workers must be an integer 1..64', async () => {
  const r = await run(process.execPath, [join(ROOT, 'bin/trent.js'), 'serve', '--workers', '0']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--workers must be an integer 1\.\.64, got 0/);
});
