/**
 * Upgrading a store made before Regions (schema version 3, test/vectors/upgrade-v3, made by the
 * previous release): it opens, migrates, and its keys, aliases, grants, tombstones and
 * ciphertexts work as before. On SQLite the fixture's own trent.db; under
 * TRENT_TEST_STORE=postgres a database built with the old migrations only and the fixture's rows.
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateMacCommand,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeyRotationsCommand,
  ListRetirableGrantsCommand,
  ReplicateKeyCommand,
  RetireGrantCommand,
} from '@aws-sdk/client-kms';
import { MIGRATIONS as PG_MIGRATIONS } from '../../src/storage/postgres/schema.ts';
import { MIGRATIONS as SQLITE_MIGRATIONS } from '../../src/storage/sqlite/schema.ts';
import { rejectsWith } from '../support/assert-aws.ts';
import { dropTestDatabase } from '../support/postgres.ts';
import { startTrent, tempDir, TEST_ACCOUNT, testStoreUrl, type Harness } from '../support/trent.ts';

const FIXTURE = resolve(import.meta.dirname, '../vectors/upgrade-v3');
const OLD_VERSION = 3;
const fx = JSON.parse(readFileSync(join(FIXTURE, 'fixture.json'), 'utf8')) as {
  rotated: { keyId: string; firstMaterialId: string };
  beforeRotation: { blob: string; context: Record<string, string>; plaintext: string };
  afterRotation: { blob: string; plaintext: string };
  grantId: string;
  hmac: { keyId: string; message: string; mac: string };
  deleted: { keyId: string; blob: string };
};
const b = (s: string) => Buffer.from(s, 'base64');
const arn = (keyId: string) => `arn:aws:kms:us-east-1:${TEST_ACCOUNT}:key/${keyId}`;

/** The fixture's rows, copied into a PostgreSQL database that has only the old migrations. */
async function oldPostgres(url: string, dbPath: string): Promise<void> {
  const src = new Database(dbPath, { readonly: true });
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('BEGIN');
    await c.query('CREATE TABLE schema_version (version INTEGER NOT NULL)');
    for (const [i, sql] of PG_MIGRATIONS.slice(0, OLD_VERSION).entries()) {
      await c.query(sql);
      await c.query('INSERT INTO schema_version(version) VALUES ($1)', [i + 1]);
    }
    // Parents first (foreign keys); materials in their insertion order.
    for (const [table, order] of [['meta', 'rowid'], ['keys', 'rowid'], ['materials', 'rowid'], ['aliases', 'rowid'], ['grants', 'rowid'], ['deleted_keys', 'rowid'], ['access_keys', 'rowid']] as const) {
      for (const row of src.prepare(`SELECT * FROM ${table} ORDER BY ${order}`).all() as Record<string, unknown>[]) {
        const cols = Object.keys(row);
        await c.query(`INSERT INTO ${table}(${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, cols.map((k) => row[k]));
      }
    }
    await c.query('COMMIT');
  } finally {
    await c.end();
    src.close();
  }
}

let h: Harness;
let storeUrl: string | undefined;
const dataDir = tempDir('trent-upgrade-');
before(async () => {
  cpSync(join(FIXTURE, 'root.key'), join(dataDir, 'root.key'));
  storeUrl = await testStoreUrl();
  if (storeUrl === undefined) {
    cpSync(join(FIXTURE, 'trent.db'), join(dataDir, 'trent.db'));
    const db = new Database(join(dataDir, 'trent.db'), { readonly: true });
    assert.equal((db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number }).v, OLD_VERSION, 'the fixture is of the old schema');
    db.close();
  } else {
    await oldPostgres(storeUrl, join(FIXTURE, 'trent.db'));
  }
  h = await startTrent({ tls: false, dataDir, config: storeUrl !== undefined ? { storeUrl } : {} });
});
after(async () => {
  await h?.stop();
  if (storeUrl !== undefined) await dropTestDatabase(storeUrl);
  rmSync(dataDir, { recursive: true, force: true });
});

test('the store is migrated to the current schema', async () => {
  if (storeUrl === undefined) {
    const db = new Database(join(h.dataDir, 'trent.db'), { readonly: true });
    try {
      assert.equal((db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number }).v, SQLITE_MIGRATIONS.length);
    } finally {
      db.close();
    }
  } else {
    const c = new pg.Client({ connectionString: storeUrl });
    await c.connect();
    try {
      assert.equal((await c.query<{ v: number }>('SELECT MAX(version) AS v FROM schema_version')).rows[0]!.v, PG_MIGRATIONS.length);
    } finally {
      await c.end();
    }
  }
});

test('old keys, their rotations and ciphertexts work after the upgrade', async () => {
  const md = (await h.kms.send(new DescribeKeyCommand({ KeyId: 'alias/upgrade' }))).KeyMetadata!;
  assert.equal(md.KeyId, fx.rotated.keyId);
  assert.equal(md.Arn, arn(fx.rotated.keyId));
  assert.equal(md.Description, 'rotated once');
  assert.equal(md.MultiRegion, false);
  const first = await h.kms.send(new DecryptCommand({ CiphertextBlob: b(fx.beforeRotation.blob), EncryptionContext: fx.beforeRotation.context }));
  assert.equal(Buffer.from(first.Plaintext!).toString(), fx.beforeRotation.plaintext);
  assert.equal(first.KeyMaterialId, fx.rotated.firstMaterialId);
  assert.equal(Buffer.from((await h.kms.send(new DecryptCommand({ CiphertextBlob: b(fx.afterRotation.blob) }))).Plaintext!).toString(), fx.afterRotation.plaintext);
  const rotations = (await h.kms.send(new ListKeyRotationsCommand({ KeyId: fx.rotated.keyId, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' }))).Rotations!;
  assert.equal(rotations.length, 2);
  assert.equal(rotations[0]!.KeyMaterialId, fx.rotated.firstMaterialId, 'materials keep their order');
  // New data under an old key.
  const fresh = await h.kms.send(new EncryptCommand({ KeyId: 'alias/upgrade', Plaintext: Buffer.from('after the upgrade') }));
  assert.equal(Buffer.from((await h.kms.send(new DecryptCommand({ CiphertextBlob: fresh.CiphertextBlob }))).Plaintext!).toString(), 'after the upgrade');
  const mac = await h.kms.send(new GenerateMacCommand({ KeyId: fx.hmac.keyId, MacAlgorithm: 'HMAC_SHA_256', Message: Buffer.from(fx.hmac.message) }));
  assert.equal(Buffer.from(mac.Mac!).toString('base64'), fx.hmac.mac, 'the HMAC key has the same material');
  assert.deepEqual((await h.kms.send(new ListAliasesCommand({ KeyId: fx.rotated.keyId }))).Aliases!.map((a) => a.AliasName), ['alias/upgrade']);
});

test('a key deleted before the upgrade stays deleted: its ciphertexts are NotFound', async () => {
  await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: b(fx.deleted.blob) })), 'NotFoundException', `Key '${arn(fx.deleted.keyId)}' does not exist`);
  await rejectsWith(h.kms.send(new DescribeKeyCommand({ KeyId: fx.deleted.keyId })), 'NotFoundException');
});

test('grants made before the upgrade are listed and retired', async () => {
  const grants = (await h.kms.send(new ListGrantsCommand({ KeyId: fx.rotated.keyId }))).Grants!;
  assert.deepEqual(grants.map((g) => g.GrantId), [fx.grantId]);
  const retirable = (await h.kms.send(new ListRetirableGrantsCommand({ RetiringPrincipal: `arn:aws:iam::${TEST_ACCOUNT}:role/ops` }))).Grants!;
  assert.deepEqual(retirable.map((g) => [g.GrantId, g.KeyId]), [[fx.grantId, arn(fx.rotated.keyId)]]);
  await h.kms.send(new RetireGrantCommand({ KeyId: fx.rotated.keyId, GrantId: fx.grantId }));
  assert.deepEqual((await h.kms.send(new ListGrantsCommand({ KeyId: fx.rotated.keyId }))).Grants, []);
});

test('the upgraded store takes multi-Region keys', async () => {
  const k = (await h.kms.send(new CreateKeyCommand({ MultiRegion: true }))).KeyMetadata!;
  const r = await h.kms.send(new ReplicateKeyCommand({ KeyId: k.KeyId, ReplicaRegion: 'eu-west-1' }));
  assert.equal(r.ReplicaKeyMetadata!.Arn, `arn:aws:kms:eu-west-1:${TEST_ACCOUNT}:key/${k.KeyId}`);
});
