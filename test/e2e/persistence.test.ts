/**
 * Durability and secrecy at rest: restarts (graceful and kill -9) and a scan of the data
 * directory — and of the database, when the suite runs on PostgreSQL (TRENT_TEST_STORE=postgres).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CreateAliasCommand, CreateKeyCommand, DecryptCommand, DescribeKeyCommand, EncryptCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import pg from 'pg';
import { dropTestDatabase } from '../support/postgres.ts';
import { kmsClient, spawnTrent, startTrent, tempDir, testStoreUrl, TEST_SECRET } from '../support/trent.ts';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Every value of every table of the database, as bytes (bytea as is, anything else as text). */
async function databaseBytes(url: string): Promise<Buffer> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const tables = (await c.query<{ t: string }>("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")).rows;
    assert.ok(tables.some((r) => r.t === 'materials'), 'the scan sees the store\'s tables');
    const parts: Buffer[] = [];
    for (const { t } of tables) {
      for (const row of (await c.query(`SELECT * FROM ${pg.escapeIdentifier(t)}`)).rows as Record<string, unknown>[]) {
        for (const v of Object.values(row)) parts.push(Buffer.isBuffer(v) ? v : Buffer.from(String(v)), Buffer.from([0]));
      }
    }
    return Buffer.concat(parts);
  } finally {
    await c.end();
  }
}

/** `--store <fresh database>` under TRENT_TEST_STORE=postgres, nothing on SQLite; `drop` removes the database. */
async function storeFlags(): Promise<{ args: string[]; drop: () => Promise<void> }> {
  const url = await testStoreUrl();
  return url === undefined ? { args: [], drop: async () => {} } : { args: ['--store', url], drop: () => dropTestDatabase(url) };
}

test('keys, aliases and ciphertexts survive kill -9 and restart on the same data directory', async () => {
  const dataDir = tempDir();
  const store = await storeFlags();
  try {
    let t = await spawnTrent(['--data-dir', dataDir, ...store.args]);
    let kms = kmsClient(t.url, t.caPath);
    const key = (await kms.send(new CreateKeyCommand({ Description: 'durable' }))).KeyMetadata!;
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/durable', TargetKeyId: key.KeyId }));
    const ct = (await kms.send(new EncryptCommand({ KeyId: 'alias/durable', Plaintext: Buffer.from('survive'), EncryptionContext: { k: 'v' } }))).CiphertextBlob!;
    kms.destroy();
    t.proc.kill('SIGKILL');
    await t.exited;

    t = await spawnTrent(['--data-dir', dataDir, ...store.args]);
    kms = kmsClient(t.url, t.caPath);
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: 'alias/durable' }))).KeyMetadata!.KeyId, key.KeyId);
    const back = await kms.send(new DecryptCommand({ CiphertextBlob: ct, EncryptionContext: { k: 'v' } }));
    assert.equal(Buffer.from(back.Plaintext!).toString(), 'survive');
    kms.destroy();

    t.proc.kill('SIGTERM');
    const exit = await t.exited;
    assert.equal(exit.code, 0, 'SIGTERM exits 0');

    t = await spawnTrent(['--data-dir', dataDir, ...store.args]);
    kms = kmsClient(t.url, t.caPath);
    assert.equal(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: ct, EncryptionContext: { k: 'v' } }))).Plaintext!).toString(), 'survive');
    kms.destroy();
    t.proc.kill('SIGTERM');
    await t.exited;
  } finally {
    await store.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the data directory holds no key material, data key, plaintext or secret key in the clear', async () => {
  const h = await startTrent();
  try {
    const key = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const plaintext = Buffer.from('PLAINTEXT-MARKER-7f3a9c1e-do-not-store');
    await h.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: plaintext }));
    const dk = await h.kms.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, KeySpec: 'AES_256' }));
    // In-test hook: the key's material as Trent holds it in memory.
    const material = await h.trent.core.material(key.KeyId!, key.CurrentKeyMaterialId!);
    assert.ok(material && material.length === 32);
    const secrets: [string, Buffer][] = [
      ['key material', Buffer.from(material)],
      ['data key', Buffer.from(dk.Plaintext!)],
      ['plaintext', plaintext],
      ['secret access key', Buffer.from(TEST_SECRET)],
    ];
    const files = filesUnder(h.dataDir).filter((f) => !f.endsWith('root.key'));
    if (h.storeUrl === undefined) assert.ok(files.some((f) => f.endsWith('trent.db')));
    const scanned: [string, Buffer][] = files.map((f) => [f, readFileSync(f)]);
    if (h.storeUrl !== undefined) scanned.push(['the PostgreSQL database', await databaseBytes(h.storeUrl)]);
    for (const [where, bytes] of scanned) {
      for (const [what, s] of secrets) {
        for (const form of [s, Buffer.from(s.toString('base64')), Buffer.from(s.toString('hex'))]) {
          assert.equal(bytes.indexOf(form), -1, `${what} found in ${where}`);
        }
      }
    }
    assert.equal(statSync(join(h.dataDir, 'root.key')).mode & 0o777, 0o600);
  } finally {
    await h.stop();
  }
});

test('a generated root credential is written to <data-dir>/credentials (0600) and works', async () => {
  const dataDir = tempDir();
  const store = await storeFlags();
  try {
    const t = await spawnTrent(['--data-dir', dataDir, ...store.args], { TRENT_ROOT_ACCESS_KEY_ID: '', TRENT_ROOT_SECRET_ACCESS_KEY: '' });
    const text = readFileSync(join(dataDir, 'credentials'), 'utf8');
    assert.equal(statSync(join(dataDir, 'credentials')).mode & 0o777, 0o600);
    const id = /aws_access_key_id = (\S+)/.exec(text)![1]!;
    const secret = /aws_secret_access_key = (\S+)/.exec(text)![1]!;
    assert.match(id, /^AKIA[A-Z2-7]{16}$/);
    assert.ok(t.stdout().includes(id));
    assert.ok(!t.stdout().includes(secret), 'the secret is not printed');
    const kms = kmsClient(t.url, t.caPath, { accessKeyId: id, secretAccessKey: secret });
    const md = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    assert.equal(md.AWSAccountId, '111122223333');
    kms.destroy();
    t.proc.kill('SIGTERM');
    await t.exited;
  } finally {
    await store.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('root credentials from the environment: a restart with the same ones keeps working, with a new secret the new one works and the old one no longer does', async () => {
  const dataDir = tempDir();
  const store = await storeFlags();
  const id = 'AKIATRENTROTATEDROOT1';
  const first = 'first-secret-access-key-000000000000000';
  const second = 'second-secret-access-key-00000000000000';
  const run = async (secret: string, check: (t: Awaited<ReturnType<typeof spawnTrent>>) => Promise<void>) => {
    const t = await spawnTrent(['--data-dir', dataDir, ...store.args], { TRENT_ROOT_ACCESS_KEY_ID: id, TRENT_ROOT_SECRET_ACCESS_KEY: secret });
    try {
      await check(t);
    } finally {
      t.proc.kill('SIGTERM');
      await t.exited;
    }
  };
  const works = async (t: Awaited<ReturnType<typeof spawnTrent>>, secret: string) => {
    const kms = kmsClient(t.url, t.caPath, { accessKeyId: id, secretAccessKey: secret });
    try {
      return (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    } finally {
      kms.destroy();
    }
  };
  try {
    await run(first, async (t) => void (await works(t, first)));
    await run(first, async (t) => void (await works(t, first)));
    await run(second, async (t) => {
      await works(t, second);
      await assert.rejects(works(t, first), (e: Error) => e.name === 'InvalidSignatureException');
    });
  } finally {
    await store.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
