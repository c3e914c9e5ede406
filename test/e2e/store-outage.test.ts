/**
 * Losing the database. Trent talks to PostgreSQL through a proxy the test breaks: a stopped
 * server (connections refused and cut) is KMSInternalException, a server that stops answering
 * is DependencyTimeoutException after the bounded timeouts — never a hang — and both heal by
 * themselves once the database is back, with nothing half-written.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  KMSClient,
  ListKeyRotationsCommand,
  ListKeysCommand,
  RotateKeyOnDemandCommand,
} from '@aws-sdk/client-kms';
import { dropTestDatabase, postgresOrSkip } from '../support/postgres.ts';
import { run } from '../support/run.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { ROOT, startTrent, tempDir, TEST_ACCESS_KEY_ID, TEST_SECRET, type Harness } from '../support/trent.ts';

/** Timeouts small enough for a test: connect 1 s, statement 1.5 s (the client gives up 1 s later). */
const TIMEOUTS = 'connect_timeout=1&statement_timeout=1500';

/** Rejects with AWS error `name`, HTTP `status`, and within `withinMs`. */
async function failsWith(p: Promise<unknown>, name: string, status: number, withinMs: number): Promise<void> {
  const started = Date.now();
  await assert.rejects(p, (e: unknown) => {
    const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    assert.equal(err.name, name, `expected ${name}, got ${err.name}: ${err.message}`);
    assert.equal(err.$metadata?.httpStatusCode, status);
    return true;
  });
  const took = Date.now() - started;
  assert.ok(took < withinMs, `answered in ${took} ms (bound ${withinMs} ms)`);
}

const text = (b: Uint8Array | undefined) => Buffer.from(b!).toString();

/** Polls `cond` until it holds; fails after `ms` instead of hanging the suite. */
async function waitFor(what: string, cond: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const dbUrl = await postgresOrSkip('Trent losing its PostgreSQL');
if (dbUrl !== undefined) registerTests(dbUrl);

function registerTests(url: string): void {
  const db = new URL(url);
  let proxy: TcpProxy;
  let h: Harness;
  let kms: KMSClient;

  before(async () => {
    proxy = await startTcpProxy({ host: db.hostname, port: Number(db.port || 5432) });
    const viaProxy = new URL(url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    viaProxy.search = TIMEOUTS;
    h = await startTrent({ config: { storeUrl: viaProxy.toString() } });
    kms = h.kms;
  });
  after(async () => {
    await h?.stop();
    await proxy?.close();
    await dropTestDatabase(url);
  });

  describe('PostgreSQL stopped (connections refused and cut)', () => {
    test('requests fail at once with KMSInternalException (HTTP 500), change nothing, and succeed again once it is back', async () => {
      const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
      const ct = (await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('before') }))).CiphertextBlob;
      const keysBefore = (await kms.send(new ListKeysCommand({}))).Keys!.length;

      await proxy.down();
      await failsWith(kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('x') })), 'KMSInternalException', 500, 3000);
      await failsWith(kms.send(new DecryptCommand({ CiphertextBlob: ct })), 'KMSInternalException', 500, 3000);
      await failsWith(kms.send(new CreateKeyCommand({})), 'KMSInternalException', 500, 3000);
      await failsWith(kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId })), 'KMSInternalException', 500, 3000);

      await proxy.up();
      assert.equal(text((await kms.send(new DecryptCommand({ CiphertextBlob: ct }))).Plaintext), 'before');
      await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('after') }));
      assert.equal((await kms.send(new ListKeysCommand({}))).Keys!.length, keysBefore, 'the refused CreateKey left no key');
      assert.deepEqual((await kms.send(new ListKeyRotationsCommand({ KeyId: key.KeyId }))).Rotations, [], 'the refused rotation left no material');
    });
  });

  describe('PostgreSQL stops answering (hung server or partition)', () => {
    test('requests fail with DependencyTimeoutException (HTTP 503) within the bounded timeouts, and succeed again once it answers', async () => {
      const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
      proxy.silence();
      // A pooled connection that stops answering: the statement timeout (1.5 s + 1 s) ends the wait.
      await failsWith(kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('x') })), 'DependencyTimeoutException', 503, 6000);
      // A new connection that is never answered: the connect timeout (1 s) ends the wait.
      await failsWith(kms.send(new DescribeKeyCommand({ KeyId: key.KeyId })), 'DependencyTimeoutException', 503, 6000);
      await failsWith(kms.send(new CreateKeyCommand({})), 'DependencyTimeoutException', 503, 6000);

      await proxy.up();
      assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata!.KeyState, 'Enabled');
      await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('again') }));
    });
  });

  describe('connections cut during a write load', () => {
    test('nothing is half-written: every key is whole, every acknowledged write is there', async (t) => {
      const ackedKeys = new Set<string>();
      const ackedRotations = new Map<string, number>();
      let cut = false;
      let stop = false;
      let failed = 0;
      const loop = async () => {
        const client = h.client();
        try {
          while (!stop) {
            try {
              const id = (await client.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
              ackedKeys.add(id);
              await client.send(new RotateKeyOnDemandCommand({ KeyId: id }));
              ackedRotations.set(id, 1);
            } catch {
              failed++;
              if (cut) await new Promise((r) => setTimeout(r, 20));
            }
          }
        } finally {
          client.destroy();
        }
      };
      const clients = Array.from({ length: 4 }, loop);
      try {
        await waitFor('25 acknowledged keys', () => ackedKeys.size >= 25);
        await proxy.down(); // cuts whatever transactions are in flight
        cut = true;
        await new Promise((r) => setTimeout(r, 300));
        await proxy.up();
        const atUp = ackedKeys.size;
        await waitFor('20 more acknowledged keys once the database is back', () => ackedKeys.size >= atUp + 20);
      } finally {
        stop = true;
        await Promise.all(clients);
      }
      assert.ok(failed > 0, 'some writes were cut off');

      const listed = (await kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys!.map((k) => k.KeyId!);
      for (const id of ackedKeys) assert.ok(listed.includes(id), `acknowledged key ${id} is there`);
      for (const id of listed) {
        // A key row is never there without its material, nor a rotation's key row without its new material.
        const md = (await kms.send(new DescribeKeyCommand({ KeyId: id }))).KeyMetadata!;
        const ct = await kms.send(new EncryptCommand({ KeyId: id, Plaintext: Buffer.from('whole') }));
        const back = await kms.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob }));
        assert.equal(back.KeyMaterialId, md.CurrentKeyMaterialId);
        const rotations = (await kms.send(new ListKeyRotationsCommand({ KeyId: id }))).Rotations!;
        assert.ok(rotations.length <= 1);
        if (ackedRotations.has(id)) assert.equal(rotations.length, 1, `acknowledged rotation of ${id} is there`);
        if (rotations.length === 1) assert.equal(rotations[0]!.KeyMaterialId, md.CurrentKeyMaterialId);
      }
      t.diagnostic(`${ackedKeys.size} keys and ${ackedRotations.size} rotations acknowledged, ${failed} writes failed, ${listed.length} keys in the store`);
    });
  });

  describe('starting without the database', () => {
    test('a node that cannot reach its store exits (code 2) with a clear message and no password in it', async () => {
      const closed = await startTcpProxy({ host: db.hostname, port: Number(db.port || 5432) });
      const port = closed.port;
      await closed.close();
      const dir = tempDir();
      const serve = (storeUrl: string) =>
        run(process.execPath, [join(ROOT, 'bin/trent.js'), 'serve', '--port', '0', '--data-dir', dir, '--store', storeUrl], {
          env: { ...process.env, TRENT_ROOT_ACCESS_KEY_ID: TEST_ACCESS_KEY_ID, TRENT_ROOT_SECRET_ACCESS_KEY: TEST_SECRET },
          timeoutMs: 30_000,
        });
      const refused = await serve(`postgres://trent:s3cret-pw@127.0.0.1:${port}/trent`);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /^trent: cannot open the store at postgres:\/\/trent:\*\*\*@127\.0\.0\.1:\d+\/trent: store unavailable: .*ECONNREFUSED/m);
      assert.doesNotMatch(refused.stderr + refused.stdout, /s3cret-pw/);

      // A server that never answers: bounded by the connect timeout, not a hang.
      const silent = await startTcpProxy({ host: db.hostname, port: Number(db.port || 5432) });
      silent.silence();
      try {
        const started = Date.now();
        const hung = await serve(`postgres://postgres@127.0.0.1:${silent.port}/trent?connect_timeout=1`);
        assert.equal(hung.code, 2, hung.stderr);
        assert.match(hung.stderr, /cannot open the store at .*: store unavailable/);
        assert.ok(Date.now() - started < 15_000, `gave up after ${Date.now() - started} ms`);
      } finally {
        await silent.close();
      }
    });
  });
}
