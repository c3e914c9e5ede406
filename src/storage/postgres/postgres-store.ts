/**
 * The shared store for several Trent nodes: PostgreSQL through a `pg.Pool`. Same tables and
 * key document as the SQLite store (`key-codec.ts`); multi-row changes are one transaction;
 * `updateKey`/`addMaterial` are guarded by `WHERE version = $expected`, so two nodes racing
 * on one key cannot both win. A database that cannot be reached surfaces as
 * StoreUnavailableError (`code: 'STORE_UNAVAILABLE'`), never as a raw socket error.
 */
import pg from 'pg';
import { StoreConflictError, StoreDuplicateError, StoreLimitError, type GrantLimits, type KeyRef, type KeyStore, type RetirableGrantCursor } from '../../domain/ports.ts';
import type { AccessKeyRecord, AliasRecord, DeletedKeyRecord, GrantRecord, KeyRecord, MaterialRecord } from '../../domain/types.ts';
import { keyColumns, keyFromDoc } from '../key-codec.ts';
import { accessKeyFromRow, accessKeyParams, aliasFromRow, aliasParams, deletedKeyFromRow, grantFromRow, grantParams, keyFromRow, materialFromRow, materialParams, type Row } from '../rows.ts';
import { MIGRATIONS, MIGRATION_LOCK } from './schema.ts';
import { isUnavailable, StoreUnavailableError, toStoreError } from './unavailable.ts';

export { StoreUnavailableError } from './unavailable.ts';

/** First key of the per-key-row advisory lock of grant inserts with limits ('gr'). */
const GRANT_LOCK_CLASS = 0x6772;

export interface PostgresStoreOptions {
  /** Connections kept per node (default 10). */
  poolSize?: number;
  /**
   * How long to wait for a connection before failing with STORE_UNAVAILABLE (default: the URL's
   * `connect_timeout` in seconds, as libpq reads it, else 5000 ms).
   */
  connectTimeoutMs?: number;
  /**
   * How long one statement may take (default: the URL's `statement_timeout` in ms, else
   * 10000 ms). The server cancels it then (its transaction rolls back); the client gives up one
   * second later in case the server itself stopped answering. Either way the request fails with
   * a timed-out STORE_UNAVAILABLE instead of hanging.
   */
  queryTimeoutMs?: number;
}

/** A positive number from the URL's query string, or undefined. */
function urlNumber(url: string, name: string): number | undefined {
  let raw: string | null;
  try {
    raw = new URL(url).searchParams.get(name);
  } catch {
    return undefined;
  }
  const n = raw === null ? NaN : Number(raw);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

type Queryable = Pick<pg.PoolClient, 'query'>;

const isUniqueViolation = (e: unknown, table: string): boolean =>
  e instanceof pg.DatabaseError && e.code === '23505' && e.table === table;

const KEY_COLS = 'key_id, account, region, version, state, deletion_at, next_rotation_at, doc';

function insertParams(k: KeyRecord): unknown[] {
  const c = keyColumns(k);
  return [c.key_id, c.account, c.region, c.version, c.state, c.deletion_at, c.next_rotation_at, c.doc];
}

function updateParams(k: KeyRecord, expectedVersion: number): unknown[] {
  const c = keyColumns(k);
  return [c.key_id, c.version, c.state, c.deletion_at, c.next_rotation_at, c.doc, expectedVersion, c.region];
}

const SQL = {
  getMeta: 'SELECT value FROM meta WHERE name = $1',
  insMeta: 'INSERT INTO meta(name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING value',
  putMeta: 'INSERT INTO meta(name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
  listDue: 'SELECT key_id, region FROM keys WHERE deletion_at <= $1 UNION SELECT key_id, region FROM keys WHERE next_rotation_at <= $1 ORDER BY key_id, region LIMIT $2',
  insKey: `INSERT INTO keys(${KEY_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
  getKey: 'SELECT doc FROM keys WHERE region = $1 AND key_id = $2',
  keyRegions: 'SELECT doc FROM keys WHERE key_id = $1 ORDER BY region',
  listKeys: 'SELECT doc FROM keys WHERE account = $1 AND region = $2 AND key_id > $3 ORDER BY key_id LIMIT $4',
  // Account and Region never change; `version = $7` is the optimistic check.
  updKey: 'UPDATE keys SET version = $2, state = $3, deletion_at = $4, next_rotation_at = $5, doc = $6 WHERE region = $8 AND key_id = $1 AND version = $7',
  delKey: 'DELETE FROM keys WHERE region = $1 AND key_id = $2',
  lockKeyDoc: 'SELECT doc FROM keys WHERE region = $1 AND key_id = $2 FOR UPDATE',
  insTombstone: 'INSERT INTO deleted_keys(region, key_id, arn, deleted_at) VALUES ($1, $2, $3, $4) ON CONFLICT (region, key_id) DO NOTHING',
  getTombstone: 'SELECT region, key_id, arn, deleted_at FROM deleted_keys WHERE region = $1 AND key_id = $2',
  delKeyGrants: 'DELETE FROM grants WHERE region = $1 AND key_id = $2',
  insGrant: 'INSERT INTO grants(region, key_id, grant_id, grantee_principal, retiring_principal, doc) VALUES ($1, $2, $3, $4, $5, $6)',
  getGrant: 'SELECT doc FROM grants WHERE region = $1 AND key_id = $2 AND grant_id = $3',
  listGrants: 'SELECT doc FROM grants WHERE region = $6 AND key_id = $1 AND grant_id > $2 AND ($3::text IS NULL OR grant_id = $3) AND ($4::text IS NULL OR grantee_principal = $4) ORDER BY grant_id LIMIT $5',
  countGrants: 'SELECT COUNT(*) AS n FROM grants WHERE region = $3 AND key_id = $1 AND ($2::text IS NULL OR grantee_principal = $2)',
  lockKeyGrants: 'SELECT pg_advisory_xact_lock($1::int, hashtext($2))',
  // A row value, not a concatenation: the index seeks to the marker instead of scanning up to it.
  listRetirable: 'SELECT doc FROM grants WHERE retiring_principal = $1 AND (region, key_id, grant_id) > ($2, $3, $4) ORDER BY region, key_id, grant_id LIMIT $5',
  delGrant: 'DELETE FROM grants WHERE region = $1 AND key_id = $2 AND grant_id = $3',
  // The materials go with the last Region's row of the key id.
  delKeyMaterials: 'DELETE FROM materials WHERE key_id = $1 AND NOT EXISTS (SELECT 1 FROM keys WHERE key_id = $1)',
  delKeyAliases: 'DELETE FROM aliases WHERE region = $1 AND target_key_id = $2',
  insMaterial: 'INSERT INTO materials(key_id, material_id, created_at, wrapped, rotation_type, meta) VALUES ($1, $2, $3, $4, $5, $6)',
  // Replacing keeps `seq`, so a re-imported material keeps its place in listMaterials.
  putMaterial:
    'INSERT INTO materials(key_id, material_id, created_at, wrapped, rotation_type, meta) VALUES ($1, $2, $3, $4, $5, $6) ' +
    'ON CONFLICT (key_id, material_id) DO UPDATE SET created_at = excluded.created_at, wrapped = excluded.wrapped, rotation_type = excluded.rotation_type, meta = excluded.meta',
  getMaterial: 'SELECT key_id, material_id, created_at, wrapped, rotation_type, meta FROM materials WHERE key_id = $1 AND material_id = $2',
  listMaterials: 'SELECT key_id, material_id, created_at, wrapped, rotation_type, meta FROM materials WHERE key_id = $1 ORDER BY created_at, seq',
  insAlias: 'INSERT INTO aliases(account, region, alias_name, target_key_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)',
  getAlias: 'SELECT * FROM aliases WHERE account = $1 AND region = $2 AND alias_name = $3',
  updAlias: 'UPDATE aliases SET target_key_id = $1, updated_at = $2 WHERE account = $3 AND region = $4 AND alias_name = $5',
  delAlias: 'DELETE FROM aliases WHERE account = $1 AND region = $2 AND alias_name = $3',
  listAliases: 'SELECT * FROM aliases WHERE account = $1 AND region = $2 AND alias_name > $3 ORDER BY alias_name LIMIT $4',
  listAliasesForKey: 'SELECT * FROM aliases WHERE account = $1 AND region = $2 AND target_key_id = $3 AND alias_name > $4 ORDER BY alias_name LIMIT $5',
  getAccessKey: 'SELECT * FROM access_keys WHERE access_key_id = $1',
  listAccessKeys: 'SELECT * FROM access_keys WHERE access_key_id > $1 ORDER BY access_key_id LIMIT $2',
  delAccessKey: 'DELETE FROM access_keys WHERE access_key_id = $1',
  putAccessKey:
    'INSERT INTO access_keys(access_key_id, principal_arn, account_id, wrapped_secret, created_at, session_token, expires_at, source_arn) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ' +
    'ON CONFLICT (access_key_id) DO UPDATE SET principal_arn = excluded.principal_arn, account_id = excluded.account_id, wrapped_secret = excluded.wrapped_secret, session_token = excluded.session_token, expires_at = excluded.expires_at, source_arn = excluded.source_arn',
} as const;

/** For error events that need no action: the failing query reports its own error, and a dead idle connection is already dropped by the pool. */
const swallow = (): void => {};

export class PostgresStore implements KeyStore {
  readonly #pool: pg.Pool;
  #closed = false;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** Connects, creates or migrates the schema (serialized across nodes), and returns the store. */
  static async open(url: string, opts: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const connectTimeoutMs = opts.connectTimeoutMs ?? ((urlNumber(url, 'connect_timeout') ?? 5) * 1000);
    const queryTimeoutMs = opts.queryTimeoutMs ?? urlNumber(url, 'statement_timeout') ?? 10_000;
    const pool = new pg.Pool({
      connectionString: url,
      max: opts.poolSize ?? 10,
      connectionTimeoutMillis: connectTimeoutMs,
      statement_timeout: queryTimeoutMs,
      query_timeout: queryTimeoutMs + 1000,
      // A node that vanishes mid-transaction (partition, not a clean close) must not hold its row
      // locks until TCP notices: the server ends such a session and rolls its transaction back.
      idle_in_transaction_session_timeout: Math.max(2 * queryTimeoutMs, 10_000),
      keepAlive: true,
    });
    // An idle connection that dies (server restart, failover) must not crash the process: the
    // pool has already dropped it, and the next checkout opens a fresh one.
    pool.on('error', swallow);
    const store = new PostgresStore(pool);
    try {
      await store.#migrate();
    } catch (e) {
      await pool.end().catch(swallow);
      throw toStoreError(e);
    }
    return store;
  }

  /**
   * Applies pending migrations in one transaction under an advisory lock, so two nodes starting
   * together neither race on CREATE TABLE nor apply a step twice. A schema newer than this build
   * is refused rather than used half-understood.
   */
  async #migrate(): Promise<void> {
    await this.#tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await c.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
      const { rows } = await c.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_version');
      const current = rows[0]?.v ?? 0;
      if (current > MIGRATIONS.length) {
        throw new Error(`the store's schema is version ${current}, newer than this Trent understands (${MIGRATIONS.length}); upgrade Trent`);
      }
      for (const [i, sql] of MIGRATIONS.entries()) {
        if (i + 1 > current) {
          await c.query(sql);
          await c.query('INSERT INTO schema_version(version) VALUES ($1)', [i + 1]);
        }
      }
    });
  }

  async #query(text: string, values: unknown[]): Promise<pg.QueryResult<Row>> {
    return this.#withClient((c) => c.query<Row>(text, values));
  }

  /** Runs `fn` in BEGIN … COMMIT on one connection; any throw rolls back and is rethrown. */
  async #tx<T>(fn: (c: Queryable) => Promise<T>): Promise<T> {
    return this.#withClient(async (c) => {
      await c.query('BEGIN');
      try {
        const result = await fn(c);
        await c.query('COMMIT');
        return result;
      } catch (e) {
        // If the connection is gone, the server has rolled back for us; #withClient drops it.
        await c.query('ROLLBACK').catch(swallow);
        throw e;
      }
    });
  }

  /**
   * Checks a connection out for `fn`. Connection failures become StoreUnavailableError and the
   * connection is destroyed; a statement error (constraint, conflict) keeps the healthy
   * connection in the pool — `pool.query` would drop it, costing a reconnect per duplicate alias.
   */
  async #withClient<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreUnavailableError('the store is closed');
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (e) {
      throw toStoreError(e);
    }
    // A checked-out client has no pool listener: an 'error' event with none would crash the process.
    client.on('error', swallow);
    let broken: Error | undefined;
    try {
      return await fn(client);
    } catch (e) {
      if (isUnavailable(e)) broken = e as Error;
      throw toStoreError(e);
    } finally {
      client.removeListener('error', swallow);
      client.release(broken);
    }
  }

  async putMetaIfAbsent(name: string, value: string): Promise<string> {
    const ins = await this.#query(SQL.insMeta, [name, value]);
    if (ins.rows[0]) return ins.rows[0].value as string;
    // ON CONFLICT waited for the other writer to commit, so this statement's snapshot sees it.
    const got = await this.#query(SQL.getMeta, [name]);
    return got.rows[0]!.value as string;
  }

  async getMeta(name: string): Promise<string | undefined> {
    const r = await this.#query(SQL.getMeta, [name]);
    return r.rows[0] ? (r.rows[0].value as string) : undefined;
  }

  /** The names of meta entries that start with `prefix` (operator tools: `trent audit verify` lists the anchored chains). */
  async metaNames(prefix: string): Promise<string[]> {
    const r = await this.#query('SELECT name FROM meta WHERE left(name, length($1)) = $1 ORDER BY name', [prefix]);
    return r.rows.map((row) => row.name as string);
  }

  async putMeta(name: string, value: string): Promise<void> {
    await this.#query(SQL.putMeta, [name, value]);
  }

  async listDueKeys(now: number, limit: number): Promise<KeyRef[]> {
    const r = await this.#query(SQL.listDue, [now, limit]);
    return r.rows.map((row) => ({ keyId: row.key_id as string, region: row.region as string }));
  }

  async createKey(key: KeyRecord, m?: MaterialRecord): Promise<void> {
    try {
      await this.#tx(async (c) => {
        await c.query(SQL.insKey, insertParams(key));
        if (m) await c.query(SQL.insMaterial, materialParams(m));
      });
    } catch (e) {
      if (isUniqueViolation(e, 'keys')) throw new StoreDuplicateError(`key ${key.keyId}`);
      throw e;
    }
  }

  async getKey(ref: KeyRef): Promise<KeyRecord | undefined> {
    const r = await this.#query(SQL.getKey, [ref.region, ref.keyId]);
    return r.rows[0] ? keyFromRow(r.rows[0]) : undefined;
  }

  async listKeyRegions(keyId: string): Promise<KeyRecord[]> {
    const r = await this.#query(SQL.keyRegions, [keyId]);
    return r.rows.map(keyFromRow);
  }

  async listKeys(account: string, region: string, afterKeyId: string | undefined, limit: number): Promise<KeyRecord[]> {
    const r = await this.#query(SQL.listKeys, [account, region, afterKeyId ?? '', limit]);
    return r.rows.map(keyFromRow);
  }

  async updateKey(key: KeyRecord, expectedVersion: number): Promise<void> {
    // Under READ COMMITTED a concurrent writer's UPDATE blocks on the row lock, then re-checks
    // `version = $7` against the committed row: exactly one of N racing writers matches.
    const r = await this.#query(SQL.updKey, updateParams(key, expectedVersion));
    if (r.rowCount !== 1) throw new StoreConflictError(`key ${key.keyId} version ${expectedVersion}`);
  }

  async updateKeys(changes: readonly { key: KeyRecord; expectedVersion: number }[]): Promise<void> {
    await this.#tx(async (c) => {
      for (const { key, expectedVersion } of changes) {
        const r = await c.query(SQL.updKey, updateParams(key, expectedVersion));
        if (r.rowCount !== 1) throw new StoreConflictError(`key ${key.keyId} in ${key.region} version ${expectedVersion}`);
      }
    });
  }

  async addMaterial(key: KeyRecord, expectedVersion: number, m: MaterialRecord): Promise<void> {
    await this.#tx(async (c) => {
      const r = await c.query(SQL.updKey, updateParams(key, expectedVersion));
      if (r.rowCount !== 1) throw new StoreConflictError(`key ${key.keyId} version ${expectedVersion}`);
      await c.query(SQL.insMaterial, materialParams(m));
    });
  }

  async putMaterials(key: KeyRecord, expectedVersion: number, materials: readonly MaterialRecord[]): Promise<void> {
    await this.#tx(async (c) => {
      const r = await c.query(SQL.updKey, updateParams(key, expectedVersion));
      if (r.rowCount !== 1) throw new StoreConflictError(`key ${key.keyId} version ${expectedVersion}`);
      for (const m of materials) await c.query(SQL.putMaterial, materialParams(m));
    });
  }

  async deleteKey(ref: KeyRef, deletedAt: number, expectedVersion?: number): Promise<void> {
    const { keyId, region } = ref;
    await this.#tx(async (c) => {
      // Lock the key row first: an alias being pointed at it concurrently (its foreign-key check
      // takes a share lock on this row) then waits for us instead of slipping in between — and a
      // racing updateKey waits too, so the version read here is the one we delete.
      const locked = await c.query<Row>(SQL.lockKeyDoc, [region, keyId]);
      const doc = locked.rows[0]?.doc;
      if (expectedVersion !== undefined && (typeof doc !== 'string' || keyFromDoc(doc).version !== expectedVersion)) {
        throw new StoreConflictError(`key ${keyId} version ${expectedVersion}`);
      }
      if (typeof doc === 'string') await c.query(SQL.insTombstone, [region, keyId, keyFromDoc(doc).arn, deletedAt]);
      await c.query(SQL.delKeyGrants, [region, keyId]);
      await c.query(SQL.delKeyAliases, [region, keyId]);
      await c.query(SQL.delKey, [region, keyId]);
      await c.query(SQL.delKeyMaterials, [keyId]);
    });
  }

  async getMaterial(keyId: string, materialId: string): Promise<MaterialRecord | undefined> {
    const r = await this.#query(SQL.getMaterial, [keyId, materialId]);
    return r.rows[0] ? materialFromRow(r.rows[0]) : undefined;
  }

  async listMaterials(keyId: string): Promise<MaterialRecord[]> {
    const r = await this.#query(SQL.listMaterials, [keyId]);
    return r.rows.map(materialFromRow);
  }

  async createAlias(a: AliasRecord): Promise<void> {
    try {
      await this.#query(SQL.insAlias, aliasParams(a));
    } catch (e) {
      if (isUniqueViolation(e, 'aliases')) throw new StoreDuplicateError(`alias ${a.aliasName}`);
      throw e;
    }
  }

  async getAlias(account: string, region: string, aliasName: string): Promise<AliasRecord | undefined> {
    const r = await this.#query(SQL.getAlias, [account, region, aliasName]);
    return r.rows[0] ? aliasFromRow(r.rows[0]) : undefined;
  }

  async updateAlias(a: AliasRecord): Promise<void> {
    await this.#query(SQL.updAlias, [a.targetKeyId, a.updatedAt, a.account, a.region, a.aliasName]);
  }

  async deleteAlias(account: string, region: string, aliasName: string): Promise<boolean> {
    const r = await this.#query(SQL.delAlias, [account, region, aliasName]);
    return r.rowCount === 1;
  }

  async listAliases(account: string, region: string, opts: { keyId?: string; after?: string; limit: number }): Promise<AliasRecord[]> {
    const r = opts.keyId !== undefined
      ? await this.#query(SQL.listAliasesForKey, [account, region, opts.keyId, opts.after ?? '', opts.limit])
      : await this.#query(SQL.listAliases, [account, region, opts.after ?? '', opts.limit]);
    return r.rows.map(aliasFromRow);
  }

  async getDeletedKey(ref: KeyRef): Promise<DeletedKeyRecord | undefined> {
    const r = (await this.#query(SQL.getTombstone, [ref.region, ref.keyId])).rows[0];
    return r ? deletedKeyFromRow(r) : undefined;
  }

  async createGrant(g: GrantRecord, limits?: GrantLimits): Promise<void> {
    const row = grantParams(g);
    try {
      if (!limits) await this.#query(SQL.insGrant, row);
      else {
        // Grant inserts with limits on one key row take turns on a transaction-scoped advisory
        // lock (two-key form: its own space, apart from the migration lock; other writes to the
        // key are not blocked). Under READ COMMITTED each count after the lock sees every grant
        // the previous holder committed.
        await this.#tx(async (c) => {
          await c.query(SQL.lockKeyGrants, [GRANT_LOCK_CLASS, `${g.region}/${g.keyId}`]);
          const count = async (grantee: string | null): Promise<number> => Number((await c.query<Row>(SQL.countGrants, [g.keyId, grantee, g.region])).rows[0]!.n);
          if ((await count(g.granteePrincipal)) >= limits.perGrantee) throw new StoreLimitError('per-grantee');
          if ((await count(null)) >= limits.perKey) throw new StoreLimitError('per-key');
          await c.query(SQL.insGrant, row);
        });
      }
    } catch (e) {
      if (isUniqueViolation(e, 'grants')) throw new StoreDuplicateError(`grant ${g.grantId}`);
      throw e;
    }
  }

  async getGrant(key: KeyRef, grantId: string): Promise<GrantRecord | undefined> {
    const r = (await this.#query(SQL.getGrant, [key.region, key.keyId, grantId])).rows[0];
    return r ? grantFromRow(r) : undefined;
  }

  async listGrants(key: KeyRef, opts: { after?: string; limit: number; grantId?: string; granteePrincipal?: string }): Promise<GrantRecord[]> {
    const r = await this.#query(SQL.listGrants, [key.keyId, opts.after ?? '', opts.grantId ?? null, opts.granteePrincipal ?? null, opts.limit, key.region]);
    return r.rows.map(grantFromRow);
  }

  async countGrants(key: KeyRef, opts: { granteePrincipal?: string } = {}): Promise<number> {
    const r = await this.#query(SQL.countGrants, [key.keyId, opts.granteePrincipal ?? null, key.region]);
    return Number(r.rows[0]!.n);
  }

  async listRetirableGrants(principal: string, opts: { after?: RetirableGrantCursor; limit: number }): Promise<GrantRecord[]> {
    const a = opts.after ?? { region: '', keyId: '', grantId: '' };
    const r = await this.#query(SQL.listRetirable, [principal, a.region, a.keyId, a.grantId, opts.limit]);
    return r.rows.map(grantFromRow);
  }

  async deleteGrant(key: KeyRef, grantId: string): Promise<boolean> {
    return ((await this.#query(SQL.delGrant, [key.region, key.keyId, grantId])).rowCount ?? 0) === 1;
  }

  async getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined> {
    const r = await this.#query(SQL.getAccessKey, [accessKeyId]);
    return r.rows[0] ? accessKeyFromRow(r.rows[0]) : undefined;
  }

  async listAccessKeys(opts: { after?: string; limit: number }): Promise<AccessKeyRecord[]> {
    const r = await this.#query(SQL.listAccessKeys, [opts.after ?? '', opts.limit]);
    return r.rows.map(accessKeyFromRow);
  }

  async deleteAccessKey(accessKeyId: string): Promise<boolean> {
    const r = await this.#query(SQL.delAccessKey, [accessKeyId]);
    return r.rowCount === 1;
  }

  async putAccessKey(rec: AccessKeyRecord): Promise<void> {
    await this.#query(SQL.putAccessKey, accessKeyParams(rec));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}
