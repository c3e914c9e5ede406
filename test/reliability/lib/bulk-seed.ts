/**
 * Fills a store with many keys, aliases and grants at once, for the listing bounds: one
 * transaction of plain INSERTs into the adapters' own tables (the key row through the adapters'
 * shared codec), because 100,000 CreateKey calls would each wait for their own fsync.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { defaultKeyPolicy } from '../../../src/domain/default-policy.ts';
import type { GrantRecord, KeyRecord } from '../../../src/domain/types.ts';
import { keyColumns } from '../../../src/storage/key-codec.ts';
import { PostgresStore } from '../../../src/storage/postgres/postgres-store.ts';
import { SqliteStore } from '../../../src/storage/sqlite/sqlite-store.ts';

export interface Seeded {
  keyIds: string[];
  aliasNames: string[];
  /** The key that holds every grant. */
  grantKeyId: string;
  grantIds: string[];
  retiringPrincipal: string;
}

const uuid = (i: number, salt: string) => {
  const h = createHash('sha256').update(`${salt}:${i}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

export function seedRows(o: { account: string; region: string; keys: number; aliases: number; grants: number; now: number }): { keys: KeyRecord[]; aliases: { name: string; target: string }[]; grants: GrantRecord[]; seeded: Seeded } {
  const policy = defaultKeyPolicy('aws', o.account);
  const root = `arn:aws:iam::${o.account}:root`;
  const keys: KeyRecord[] = Array.from({ length: o.keys }, (_, i) => {
    const keyId = uuid(i, 'key');
    return {
      keyId,
      arn: `arn:aws:kms:${o.region}:${o.account}:key/${keyId}`,
      account: o.account,
      region: o.region,
      version: 1,
      createdAt: o.now,
      description: `seeded ${i}`,
      keySpec: 'SYMMETRIC_DEFAULT',
      keyUsage: 'ENCRYPT_DECRYPT',
      origin: 'AWS_KMS',
      keyManager: 'CUSTOMER',
      state: 'Enabled',
      multiRegion: false,
      policy,
      tags: [],
      currentMaterialId: '0'.repeat(64),
      rotation: { enabled: false, onDemandCount: 0 },
    };
  });
  // "Aliases per KMS key: 50": spread over the keys.
  const aliases = Array.from({ length: o.aliases }, (_, i) => ({ name: `alias/seeded-${String(i).padStart(6, '0')}`, target: keys[Math.floor(i / 50) % keys.length]!.keyId }));
  const grantKeyId = keys[0]!.keyId;
  const grants: GrantRecord[] = Array.from({ length: o.grants }, (_, i) => ({
    grantId: createHash('sha256').update(`grant:${i}`).digest('hex'),
    keyId: grantKeyId,
    region: o.region,
    issuingAccount: root,
    granteePrincipal: root,
    retiringPrincipal: root,
    operations: ['Decrypt'],
    createdAt: o.now,
    tokenSecret: 'seeded',
  }));
  return {
    keys,
    aliases,
    grants,
    seeded: { keyIds: keys.map((k) => k.keyId), aliasNames: aliases.map((a) => a.name), grantKeyId, grantIds: grants.map((g) => g.grantId), retiringPrincipal: root },
  };
}

/** Creates the schema (through the store itself), then inserts the rows in one transaction. */
export async function seedSqlite(dataDir: string, rows: ReturnType<typeof seedRows>): Promise<void> {
  const path = join(dataDir, 'trent.db');
  await new SqliteStore(path).close();
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    const insKey = db.prepare('INSERT INTO keys(key_id, account, region, version, state, deletion_at, next_rotation_at, doc) VALUES (@key_id, @account, @region, @version, @state, @deletion_at, @next_rotation_at, @doc)');
    const insAlias = db.prepare('INSERT INTO aliases(account, region, alias_name, target_key_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
    const insGrant = db.prepare('INSERT INTO grants(region, key_id, grant_id, grantee_principal, retiring_principal, doc) VALUES (?, ?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (const k of rows.keys) insKey.run(keyColumns(k));
      for (const a of rows.aliases) insAlias.run(rows.keys[0]!.account, rows.keys[0]!.region, a.name, a.target, 0, 0);
      for (const g of rows.grants) insGrant.run(g.region, g.keyId, g.grantId, g.granteePrincipal, g.retiringPrincipal ?? null, JSON.stringify(g));
    })();
  } finally {
    db.close();
  }
}

export async function seedPostgres(url: string, rows: ReturnType<typeof seedRows>): Promise<void> {
  await (await PostgresStore.open(url)).close();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('BEGIN');
    for (let i = 0; i < rows.keys.length; i += 5000) {
      const cols = rows.keys.slice(i, i + 5000).map(keyColumns);
      await c.query(
        'INSERT INTO keys(key_id, account, region, version, state, deletion_at, next_rotation_at, doc) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::bigint[], $7::bigint[], $8::text[])',
        [cols.map((r) => r.key_id), cols.map((r) => r.account), cols.map((r) => r.region), cols.map((r) => r.version), cols.map((r) => r.state), cols.map((r) => r.deletion_at), cols.map((r) => r.next_rotation_at), cols.map((r) => r.doc)],
      );
    }
    const k0 = rows.keys[0]!;
    for (let i = 0; i < rows.aliases.length; i += 5000) {
      const part = rows.aliases.slice(i, i + 5000);
      await c.query('INSERT INTO aliases(account, region, alias_name, target_key_id, created_at, updated_at) SELECT $1, $2, n, t, 0, 0 FROM unnest($3::text[], $4::text[]) AS u(n, t)', [k0.account, k0.region, part.map((a) => a.name), part.map((a) => a.target)]);
    }
    for (let i = 0; i < rows.grants.length; i += 5000) {
      const part = rows.grants.slice(i, i + 5000);
      await c.query('INSERT INTO grants(region, key_id, grant_id, grantee_principal, retiring_principal, doc) SELECT * FROM unnest($6::text[], $1::text[], $2::text[], $3::text[], $4::text[], $5::text[])', [
        part.map((g) => g.keyId),
        part.map((g) => g.grantId),
        part.map((g) => g.granteePrincipal),
        part.map((g) => g.retiringPrincipal ?? null),
        part.map((g) => JSON.stringify(g)),
        part.map((g) => g.region),
      ]);
    }
    await c.query('COMMIT');
    await c.query('ANALYZE');
  } finally {
    await c.end();
  }
}
