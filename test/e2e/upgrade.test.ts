/**
 * Upgrading a store made before Regions (schema version 3): it opens, migrates, and its keys,
 * aliases, grants, tombstones and ciphertexts work as before. The old store is built at test time
 * (no data directory or root key is committed): today's Trent makes the data on a scratch SQLite
 * store, then its rows are copied into a store that has only migrations 1–3 — a SQLite file, or
 * under TRENT_TEST_STORE=postgres a PostgreSQL database — with the root key beside it.
 */
import assert from 'node:assert/strict';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import {
  CreateAliasCommand,
  CreateGrantCommand,
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
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { MIGRATIONS as PG_MIGRATIONS } from '../../src/storage/postgres/schema.ts';
import { MIGRATIONS as SQLITE_MIGRATIONS } from '../../src/storage/sqlite/schema.ts';
import { rejectsWith } from '../support/assert-aws.ts';
import { dropTestDatabase } from '../support/postgres.ts';
import { rawRequest } from '../support/signed-request.ts';
import { startTrent, tempDir, TEST_ACCOUNT, testStoreUrl, type Harness } from '../support/trent.ts';

const OLD_VERSION = 3;
const b = (s: string) => Buffer.from(s, 'base64');
const b64 = (u: Uint8Array | undefined) => Buffer.from(u!).toString('base64');
const arn = (keyId: string) => `arn:aws:kms:us-east-1:${TEST_ACCOUNT}:key/${keyId}`;

interface Fixture {
  rotated: { keyId: string; firstMaterialId: string };
  beforeRotation: { blob: string; context: Record<string, string>; plaintext: string };
  afterRotation: { blob: string; plaintext: string };
  grantId: string;
  hmac: { keyId: string; message: string; mac: string };
  deleted: { keyId: string; blob: string };
}

/** Today's Trent on a scratch SQLite store: a rotated key with an alias and a grant, an HMAC key, a deleted key. */
async function makeData(dir: string): Promise<Fixture> {
  const s = await startTrent({ tls: false, dataDir: dir, sqlite: true, config: { clockControl: true } });
  try {
    const kms = s.kms;
    const rotated = (await kms.send(new CreateKeyCommand({ Description: 'rotated once' }))).KeyMetadata!;
    const beforeRotation = await kms.send(new EncryptCommand({ KeyId: rotated.KeyId, Plaintext: Buffer.from('before the rotation'), EncryptionContext: { fixture: 'v3' } }));
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: rotated.KeyId }));
    const afterRotation = await kms.send(new EncryptCommand({ KeyId: rotated.KeyId, Plaintext: Buffer.from('after the rotation') }));
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/upgrade', TargetKeyId: rotated.KeyId }));
    const grant = await kms.send(new CreateGrantCommand({ KeyId: rotated.KeyId, GranteePrincipal: `arn:aws:iam::${TEST_ACCOUNT}:role/app`, RetiringPrincipal: `arn:aws:iam::${TEST_ACCOUNT}:role/ops`, Operations: ['Decrypt'] }));
    const hmac = (await kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }))).KeyMetadata!;
    const mac = await kms.send(new GenerateMacCommand({ KeyId: hmac.KeyId, MacAlgorithm: 'HMAC_SHA_256', Message: Buffer.from('fixture') }));
    const doomed = (await kms.send(new CreateKeyCommand({ Description: 'deleted' }))).KeyMetadata!;
    const ofDeleted = await kms.send(new EncryptCommand({ KeyId: doomed.KeyId, Plaintext: Buffer.from('gone') }));
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: doomed.KeyId, PendingWindowInDays: 7 }));
    const r = await rawRequest(s.trent.url, undefined, { path: '/_trent/clock', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceSeconds: 8 * 86_400 }) });
    assert.ok((JSON.parse(r.body) as { deleted: string[] }).deleted.includes(doomed.KeyId!), 'the doomed key is deleted');
    return {
      rotated: { keyId: rotated.KeyId!, firstMaterialId: rotated.CurrentKeyMaterialId! },
      beforeRotation: { blob: b64(beforeRotation.CiphertextBlob), context: { fixture: 'v3' }, plaintext: 'before the rotation' },
      afterRotation: { blob: b64(afterRotation.CiphertextBlob), plaintext: 'after the rotation' },
      grantId: grant.GrantId!,
      hmac: { keyId: hmac.KeyId!, message: 'fixture', mac: b64(mac.Mac) },
      deleted: { keyId: doomed.KeyId!, blob: b64(ofDeleted.CiphertextBlob) },
    };
  } finally {
    await s.stop();
  }
}

/** Tables of the old schema, parents first (foreign keys). */
const OLD_TABLES = ['meta', 'keys', 'materials', 'aliases', 'grants', 'deleted_keys', 'access_keys'] as const;

/** Each old table's columns: what a store with migrations 1–3 only has (the same on both stores). */
function oldColumns(): Map<string, string[]> {
  const db = new Database(':memory:');
  try {
    for (const sql of SQLITE_MIGRATIONS.slice(0, OLD_VERSION)) db.exec(sql);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name).sort();
    assert.deepEqual(tables, [...OLD_TABLES].sort(), 'every table of the old schema is copied');
    return new Map(OLD_TABLES.map((t) => [t, (db.prepare(`PRAGMA table_info(${t})`).all() as { name: string }[]).map((c) => c.name)]));
  } finally {
    db.close();
  }
}

/** The source store's rows, in insertion order, reduced to the old schema's columns. */
function* oldRows(sourceDb: string): Generator<{ table: string; cols: string[]; values: unknown[] }> {
  const src = new Database(sourceDb, { readonly: true });
  try {
    for (const [table, cols] of oldColumns()) {
      for (const row of src.prepare(`SELECT ${cols.join(', ')} FROM ${table} ORDER BY rowid`).all() as Record<string, unknown>[]) {
        yield { table, cols, values: cols.map((c) => row[c]) };
      }
    }
  } finally {
    src.close();
  }
}

function oldSqlite(path: string, sourceDb: string): void {
  const db = new Database(path);
  try {
    db.transaction(() => {
      db.exec('CREATE TABLE schema_version (version INTEGER NOT NULL)');
      for (const [i, sql] of SQLITE_MIGRATIONS.slice(0, OLD_VERSION).entries()) {
        db.exec(sql);
        db.prepare('INSERT INTO schema_version(version) VALUES (?)').run(i + 1);
      }
      for (const { table, cols, values } of oldRows(sourceDb)) db.prepare(`INSERT INTO ${table}(${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...values);
    })();
  } finally {
    db.close();
  }
}

async function oldPostgres(url: string, sourceDb: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('BEGIN');
    await c.query('CREATE TABLE schema_version (version INTEGER NOT NULL)');
    for (const [i, sql] of PG_MIGRATIONS.slice(0, OLD_VERSION).entries()) {
      await c.query(sql);
      await c.query('INSERT INTO schema_version(version) VALUES ($1)', [i + 1]);
    }
    for (const { table, cols, values } of oldRows(sourceDb)) await c.query(`INSERT INTO ${table}(${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, values);
    await c.query('COMMIT');
  } finally {
    await c.end();
  }
}

let h: Harness;
let fx: Fixture;
let storeUrl: string | undefined;
const sourceDir = tempDir('trent-upgrade-source-');
const dataDir = tempDir('trent-upgrade-');
before(async () => {
  fx = await makeData(sourceDir);
  copyFileSync(join(sourceDir, 'root.key'), join(dataDir, 'root.key'));
  storeUrl = await testStoreUrl();
  if (storeUrl === undefined) oldSqlite(join(dataDir, 'trent.db'), join(sourceDir, 'trent.db'));
  else await oldPostgres(storeUrl, join(sourceDir, 'trent.db'));
  h = await startTrent({ tls: false, dataDir, config: storeUrl !== undefined ? { storeUrl } : {} });
});
after(async () => {
  await h?.stop();
  if (storeUrl !== undefined) await dropTestDatabase(storeUrl);
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(sourceDir, { recursive: true, force: true });
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
