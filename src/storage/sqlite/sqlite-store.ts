/**
 * The embedded default store: SQLite through better-sqlite3, WAL journal, synchronous=FULL, so
 * a write that returned is on disk (survives kill -9 and power loss of the OS page cache).
 */
import { closeSync, fchmodSync, fstatSync, openSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { StoreConflictError, StoreDuplicateError, StoreLimitError, type GrantLimits, type KeyRef, type KeyStore, type RetirableGrantCursor } from '../../domain/ports.ts';
import type { AccessKeyRecord, AliasRecord, DeletedKeyRecord, GrantRecord, KeyRecord, MaterialRecord } from '../../domain/types.ts';
import { keyColumns } from '../key-codec.ts';
import { accessKeyFromRow, accessKeyParams, aliasFromRow, aliasParams, deletedKeyFromRow, grantFromRow, grantParams, keyFromRow, materialFromRow, materialParams, type Row } from '../rows.ts';
import { MIGRATIONS } from './schema.ts';

interface PendingKeyRead {
  ref: KeyRef;
  resolve: (key: KeyRecord | undefined) => void;
  reject: (e: unknown) => void;
}

/**
 * The database holds wrapped key material and access-key secrets: only Trent's user may read it.
 * Creates the file (0600) when `create`; removes group and other access from an existing one.
 */
function makePrivate(path: string, create = true): void {
  if (path === ':memory:' || path === '') return;
  let fd: number;
  try {
    fd = openSync(path, create ? 'a' : 'r', 0o600);
  } catch (e) {
    if (!create && (e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  try {
    const mode = fstatSync(fd).mode & 0o777;
    if (mode & 0o077) fchmodSync(fd, mode & 0o700);
  } finally {
    closeSync(fd);
  }
}

export class SqliteStore implements KeyStore {
  readonly #db: Database.Database;
  readonly #q;
  /** The WAL file, for meta writes made durable off the event loop (undefined: not a WAL database). */
  readonly #walPath: string | undefined;
  #wal: Promise<FileHandle> | undefined;

  constructor(path: string) {
    makePrivate(path);
    this.#db = new Database(path);
    const mode = this.#db.pragma('journal_mode = WAL', { simple: true });
    this.#walPath = mode === 'wal' ? `${path}-wal` : undefined;
    // SQLite gives the -wal and -shm files the database file's permissions (unix VFS), so with
    // trent.db at 0600 they are created private, now and whenever they are made again; ones left
    // from before (another umask, an older Trent) are narrowed here.
    for (const side of ['-wal', '-shm']) makePrivate(path + side, false);
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('foreign_keys = ON');
    this.#db.pragma('busy_timeout = 5000');
    this.#migrate();
    const db = this.#db;
    this.#q = {
      getMeta: db.prepare('SELECT value FROM meta WHERE name = ?'),
      insMeta: db.prepare('INSERT INTO meta(name, value) VALUES (?, ?) ON CONFLICT(name) DO NOTHING'),
      putMeta: db.prepare('INSERT INTO meta(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value'),
      listDue: db.prepare('SELECT key_id, region FROM keys WHERE deletion_at <= @now UNION SELECT key_id, region FROM keys WHERE next_rotation_at <= @now ORDER BY key_id, region LIMIT @limit'),
      insKey: db.prepare('INSERT INTO keys(key_id, account, region, version, state, deletion_at, next_rotation_at, doc) VALUES (@key_id, @account, @region, @version, @state, @deletion_at, @next_rotation_at, @doc)'),
      getKey: db.prepare('SELECT doc FROM keys WHERE region = ? AND key_id = ?'),
      keyRegions: db.prepare('SELECT doc FROM keys WHERE key_id = ? ORDER BY region'),
      listKeys: db.prepare('SELECT doc FROM keys WHERE account = ? AND region = ? AND key_id > ? ORDER BY key_id LIMIT ?'),
      updKey: db.prepare('UPDATE keys SET version = @version, state = @state, deletion_at = @deletion_at, next_rotation_at = @next_rotation_at, doc = @doc WHERE region = @region AND key_id = @key_id AND version = @expected'),
      delKey: db.prepare('DELETE FROM keys WHERE region = ? AND key_id = ?'),
      keyVersion: db.prepare('SELECT version FROM keys WHERE region = ? AND key_id = ?'),
      keyIdHeld: db.prepare('SELECT 1 FROM keys WHERE key_id = ? LIMIT 1'),
      insTombstone: db.prepare('INSERT INTO deleted_keys(region, key_id, arn, deleted_at) SELECT region, key_id, json_extract(doc, \'$.arn\'), ? FROM keys WHERE region = ? AND key_id = ? ON CONFLICT(region, key_id) DO NOTHING'),
      getTombstone: db.prepare('SELECT * FROM deleted_keys WHERE region = ? AND key_id = ?'),
      delKeyGrants: db.prepare('DELETE FROM grants WHERE region = ? AND key_id = ?'),
      insGrant: db.prepare('INSERT INTO grants(region, key_id, grant_id, grantee_principal, retiring_principal, doc) VALUES (?, ?, ?, ?, ?, ?)'),
      getGrant: db.prepare('SELECT doc FROM grants WHERE region = ? AND key_id = ? AND grant_id = ?'),
      listGrants: db.prepare('SELECT doc FROM grants WHERE region = @region AND key_id = @keyId AND grant_id > @after AND (@grantId IS NULL OR grant_id = @grantId) AND (@grantee IS NULL OR grantee_principal = @grantee) ORDER BY grant_id LIMIT @limit'),
      // A row value, not `key_id || '/' || grant_id`: the index seeks to the marker instead of scanning up to it.
      countGrants: db.prepare('SELECT COUNT(*) AS n FROM grants WHERE region = @region AND key_id = @keyId AND (@grantee IS NULL OR grantee_principal = @grantee)'),
      listRetirable: db.prepare('SELECT doc FROM grants WHERE retiring_principal = ? AND (region, key_id, grant_id) > (?, ?, ?) ORDER BY region, key_id, grant_id LIMIT ?'),
      delGrant: db.prepare('DELETE FROM grants WHERE region = ? AND key_id = ? AND grant_id = ?'),
      delKeyMaterials: db.prepare('DELETE FROM materials WHERE key_id = ?'),
      delKeyAliases: db.prepare('DELETE FROM aliases WHERE region = ? AND target_key_id = ?'),
      insMaterial: db.prepare('INSERT INTO materials(key_id, material_id, created_at, wrapped, rotation_type, meta) VALUES (?, ?, ?, ?, ?, ?)'),
      // Replacing keeps the rowid, so a re-imported material keeps its place in listMaterials.
      putMaterial: db.prepare(
        'INSERT INTO materials(key_id, material_id, created_at, wrapped, rotation_type, meta) VALUES (?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT(key_id, material_id) DO UPDATE SET created_at = excluded.created_at, wrapped = excluded.wrapped, rotation_type = excluded.rotation_type, meta = excluded.meta',
      ),
      getMaterial: db.prepare('SELECT * FROM materials WHERE key_id = ? AND material_id = ?'),
      listMaterials: db.prepare('SELECT * FROM materials WHERE key_id = ? ORDER BY created_at, rowid'),
      insAlias: db.prepare('INSERT INTO aliases(account, region, alias_name, target_key_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)'),
      getAlias: db.prepare('SELECT * FROM aliases WHERE account = ? AND region = ? AND alias_name = ?'),
      updAlias: db.prepare('UPDATE aliases SET target_key_id = ?, updated_at = ? WHERE account = ? AND region = ? AND alias_name = ?'),
      delAlias: db.prepare('DELETE FROM aliases WHERE account = ? AND region = ? AND alias_name = ?'),
      listAliases: db.prepare('SELECT * FROM aliases WHERE account = ? AND region = ? AND alias_name > ? ORDER BY alias_name LIMIT ?'),
      listAliasesForKey: db.prepare('SELECT * FROM aliases WHERE account = ? AND region = ? AND target_key_id = ? AND alias_name > ? ORDER BY alias_name LIMIT ?'),
      getAccessKey: db.prepare('SELECT * FROM access_keys WHERE access_key_id = ?'),
      listAccessKeys: db.prepare('SELECT * FROM access_keys WHERE access_key_id > ? ORDER BY access_key_id LIMIT ?'),
      delAccessKey: db.prepare('DELETE FROM access_keys WHERE access_key_id = ?'),
      putAccessKey: db.prepare(
        'INSERT INTO access_keys(access_key_id, principal_arn, account_id, wrapped_secret, created_at, session_token, expires_at, source_arn) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT(access_key_id) DO UPDATE SET principal_arn = excluded.principal_arn, account_id = excluded.account_id, wrapped_secret = excluded.wrapped_secret, session_token = excluded.session_token, expires_at = excluded.expires_at, source_arn = excluded.source_arn',
      ),
    };
    this.#readBatch = db.transaction((batch: PendingKeyRead[]) => batch.map(this.#readKeyRow));
  }

  #migrate(): void {
    this.#db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const apply = this.#db.transaction(() => {
      const row = this.#db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
      const current = row.v ?? 0;
      for (const [i, sql] of MIGRATIONS.entries()) {
        if (i + 1 > current) {
          this.#db.exec(sql);
          this.#db.prepare('INSERT INTO schema_version(version) VALUES (?)').run(i + 1);
        }
      }
    });
    apply.immediate();
  }

  async putMetaIfAbsent(name: string, value: string): Promise<string> {
    this.#q.insMeta.run(name, value);
    return (this.#q.getMeta.get(name) as Row).value as string;
  }

  async getMeta(name: string): Promise<string | undefined> {
    const r = this.#q.getMeta.get(name) as Row | undefined;
    return r ? (r.value as string) : undefined;
  }

  /** The names of meta entries that start with `prefix` (operator tools: `trent audit verify` lists the anchored chains). */
  async metaNames(prefix: string): Promise<string[]> {
    const rows = this.#db.prepare('SELECT name FROM meta WHERE substr(name, 1, length(@p)) = @p ORDER BY name').all({ p: prefix }) as Row[];
    return rows.map((r) => r.name as string);
  }

  /**
   * Meta entries are bookkeeping written beside the requests, not by them (the audit chain's head
   * anchor, once a second under load). With synchronous=FULL, SQLite fsyncs the WAL inside the
   * commit, on the event loop: every request in flight waited for the disk's flush (1–3 ms on this
   * project's VM, ~60–100 ms at its slowest). So this commit is made with synchronous=NORMAL (no
   * fsync in it) and the WAL file is then fdatasync'ed on libuv's thread pool before the promise
   * resolves: once it resolves the entry is as durable as a FULL commit's (the WAL frames and
   * their commit record are on disk), while the event loop serves other requests during the flush.
   */
  async putMeta(name: string, value: string): Promise<void> {
    if (this.#walPath === undefined) {
      this.#q.putMeta.run(name, value);
      return;
    }
    this.#db.pragma('synchronous = NORMAL');
    try {
      this.#q.putMeta.run(name, value);
    } finally {
      this.#db.pragma('synchronous = FULL');
    }
    await this.#syncWal();
  }

  async #syncWal(): Promise<void> {
    this.#wal ??= open(this.#walPath!, 'r');
    let fh: FileHandle;
    try {
      fh = await this.#wal;
    } catch (e) {
      this.#wal = undefined;
      throw e;
    }
    await fh.datasync();
  }

  async listDueKeys(now: number, limit: number): Promise<KeyRef[]> {
    return (this.#q.listDue.all({ now, limit }) as Row[]).map((r) => ({ keyId: r.key_id as string, region: r.region as string }));
  }

  async createKey(key: KeyRecord, m?: MaterialRecord): Promise<void> {
    try {
      this.#db.transaction(() => {
        this.#q.insKey.run(keyColumns(key));
        if (m) this.#q.insMaterial.run(materialParams(m));
      }).immediate();
    } catch (e) {
      // Same answer as the other stores: a taken key id is a duplicate, not a raw SQLite error.
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY' && (e as Error).message.includes('keys.region, keys.key_id')) throw new StoreDuplicateError(`key ${key.keyId}`);
      throw e;
    }
  }

  /**
   * The read every KMS request makes. On a WAL database each read transaction takes and drops a
   * lock on the WAL index (two fcntl calls); under the benchmark's load that was 10 of the read's
   * 17 µs (7 µs without the locks, measured with an exclusive lock, which would shut out other
   * processes). So the key reads asked for in one turn of the event loop run together at its end,
   * in one read transaction: one lock for the batch. Each read runs after it was asked for, so it
   * sees every write that returned before — this process's and other processes' alike.
   */
  getKey(ref: KeyRef): Promise<KeyRecord | undefined> {
    return new Promise((resolve, reject) => {
      if (this.#keyReads.length === 0) setImmediate(this.#readKeys);
      this.#keyReads.push({ ref, resolve, reject });
    });
  }

  #keyReads: PendingKeyRead[] = [];

  readonly #readKeys = (): void => {
    const batch = this.#keyReads;
    this.#keyReads = [];
    let rows: (Row | undefined)[];
    try {
      // One read needs no transaction of its own; several share one.
      rows = batch.length === 1 ? [this.#readKeyRow(batch[0]!)] : this.#readBatch(batch);
    } catch (e) {
      for (const r of batch) r.reject(e);
      return;
    }
    for (let i = 0; i < batch.length; i++) {
      const row = rows[i];
      try {
        batch[i]!.resolve(row ? keyFromRow(row) : undefined);
      } catch (e) {
        batch[i]!.reject(e);
      }
    }
  };

  readonly #readKeyRow = (r: PendingKeyRead): Row | undefined => this.#q.getKey.get(r.ref.region, r.ref.keyId) as Row | undefined;

  /** A deferred transaction (built with the statements): its first SELECT takes the read lock, COMMIT drops it. */
  readonly #readBatch: (batch: PendingKeyRead[]) => (Row | undefined)[];

  async listKeyRegions(keyId: string): Promise<KeyRecord[]> {
    return (this.#q.keyRegions.all(keyId) as Row[]).map(keyFromRow);
  }

  async listKeys(account: string, region: string, afterKeyId: string | undefined, limit: number): Promise<KeyRecord[]> {
    return (this.#q.listKeys.all(account, region, afterKeyId ?? '', limit) as Row[]).map(keyFromRow);
  }

  async updateKey(key: KeyRecord, expectedVersion: number): Promise<void> {
    const res = this.#q.updKey.run({ ...keyColumns(key), expected: expectedVersion });
    if (res.changes !== 1) throw new StoreConflictError(`key ${key.keyId} version ${expectedVersion}`);
  }

  async updateKeys(changes: readonly { key: KeyRecord; expectedVersion: number }[]): Promise<void> {
    this.#db.transaction(() => {
      for (const { key, expectedVersion } of changes) {
        const res = this.#q.updKey.run({ ...keyColumns(key), expected: expectedVersion });
        if (res.changes !== 1) throw new StoreConflictError(`key ${key.keyId} in ${key.region} version ${expectedVersion}`);
      }
    }).immediate();
  }

  async addMaterial(key: KeyRecord, expectedVersion: number, m: MaterialRecord): Promise<void> {
    this.#db.transaction(() => {
      const res = this.#q.updKey.run({ ...keyColumns(key), expected: expectedVersion });
      if (res.changes !== 1) throw new StoreConflictError(`key ${key.keyId} version ${expectedVersion}`);
      this.#q.insMaterial.run(materialParams(m));
    }).immediate();
  }

  async putMaterials(key: KeyRecord, expectedVersion: number, materials: readonly MaterialRecord[]): Promise<void> {
    this.#db.transaction(() => {
      const res = this.#q.updKey.run({ ...keyColumns(key), expected: expectedVersion });
      if (res.changes !== 1) throw new StoreConflictError(`key ${key.keyId} version ${expectedVersion}`);
      for (const m of materials) this.#q.putMaterial.run(materialParams(m));
    }).immediate();
  }

  async deleteKey(ref: KeyRef, deletedAt: number, expectedVersion?: number): Promise<void> {
    const { keyId, region } = ref;
    this.#db.transaction(() => {
      if (expectedVersion !== undefined) {
        const row = this.#q.keyVersion.get(region, keyId) as { version: number } | undefined;
        if (row?.version !== expectedVersion) throw new StoreConflictError(`key ${keyId} version ${expectedVersion}`);
      }
      this.#q.insTombstone.run(deletedAt, region, keyId);
      this.#q.delKeyGrants.run(region, keyId);
      this.#q.delKeyAliases.run(region, keyId);
      this.#q.delKey.run(region, keyId);
      // The materials go with the last Region's row of the key id.
      if (!this.#q.keyIdHeld.get(keyId)) this.#q.delKeyMaterials.run(keyId);
    }).immediate();
  }

  async getMaterial(keyId: string, materialId: string): Promise<MaterialRecord | undefined> {
    const r = this.#q.getMaterial.get(keyId, materialId) as Row | undefined;
    return r ? materialFromRow(r) : undefined;
  }

  async listMaterials(keyId: string): Promise<MaterialRecord[]> {
    return (this.#q.listMaterials.all(keyId) as Row[]).map(materialFromRow);
  }

  async createAlias(a: AliasRecord): Promise<void> {
    try {
      this.#q.insAlias.run(aliasParams(a));
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new StoreDuplicateError(`alias ${a.aliasName}`);
      throw e;
    }
  }

  async getAlias(account: string, region: string, aliasName: string): Promise<AliasRecord | undefined> {
    const r = this.#q.getAlias.get(account, region, aliasName) as Row | undefined;
    return r ? aliasFromRow(r) : undefined;
  }

  async updateAlias(a: AliasRecord): Promise<void> {
    this.#q.updAlias.run(a.targetKeyId, a.updatedAt, a.account, a.region, a.aliasName);
  }

  async deleteAlias(account: string, region: string, aliasName: string): Promise<boolean> {
    return this.#q.delAlias.run(account, region, aliasName).changes === 1;
  }

  async listAliases(account: string, region: string, opts: { keyId?: string; after?: string; limit: number }): Promise<AliasRecord[]> {
    const rows = opts.keyId !== undefined
      ? this.#q.listAliasesForKey.all(account, region, opts.keyId, opts.after ?? '', opts.limit)
      : this.#q.listAliases.all(account, region, opts.after ?? '', opts.limit);
    return (rows as Row[]).map(aliasFromRow);
  }

  async getDeletedKey(ref: KeyRef): Promise<DeletedKeyRecord | undefined> {
    const r = this.#q.getTombstone.get(ref.region, ref.keyId) as Row | undefined;
    return r ? deletedKeyFromRow(r) : undefined;
  }

  async createGrant(g: GrantRecord, limits?: GrantLimits): Promise<void> {
    const insert = (): void => {
      this.#q.insGrant.run(grantParams(g));
    };
    try {
      if (!limits) insert();
      else {
        // BEGIN IMMEDIATE takes the database's write lock before counting, so another process on
        // the same file cannot count and insert in between.
        this.#db
          .transaction(() => {
            const count = (grantee: string | null): number => Number((this.#q.countGrants.get({ region: g.region, keyId: g.keyId, grantee }) as { n: number }).n);
            if (count(g.granteePrincipal) >= limits.perGrantee) throw new StoreLimitError('per-grantee');
            if (count(null) >= limits.perKey) throw new StoreLimitError('per-key');
            insert();
          })
          .immediate();
      }
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new StoreDuplicateError(`grant ${g.grantId}`);
      throw e;
    }
  }

  async getGrant(key: KeyRef, grantId: string): Promise<GrantRecord | undefined> {
    const r = this.#q.getGrant.get(key.region, key.keyId, grantId) as Row | undefined;
    return r ? grantFromRow(r) : undefined;
  }

  async listGrants(key: KeyRef, opts: { after?: string; limit: number; grantId?: string; granteePrincipal?: string }): Promise<GrantRecord[]> {
    const rows = this.#q.listGrants.all({ region: key.region, keyId: key.keyId, after: opts.after ?? '', grantId: opts.grantId ?? null, grantee: opts.granteePrincipal ?? null, limit: opts.limit }) as Row[];
    return rows.map(grantFromRow);
  }

  async countGrants(key: KeyRef, opts: { granteePrincipal?: string } = {}): Promise<number> {
    return Number((this.#q.countGrants.get({ region: key.region, keyId: key.keyId, grantee: opts.granteePrincipal ?? null }) as { n: number }).n);
  }

  async listRetirableGrants(principal: string, opts: { after?: RetirableGrantCursor; limit: number }): Promise<GrantRecord[]> {
    const a = opts.after ?? { region: '', keyId: '', grantId: '' };
    return (this.#q.listRetirable.all(principal, a.region, a.keyId, a.grantId, opts.limit) as Row[]).map(grantFromRow);
  }

  async deleteGrant(key: KeyRef, grantId: string): Promise<boolean> {
    return this.#q.delGrant.run(key.region, key.keyId, grantId).changes === 1;
  }

  async getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined> {
    const r = this.#q.getAccessKey.get(accessKeyId) as Row | undefined;
    return r ? accessKeyFromRow(r) : undefined;
  }

  async listAccessKeys(opts: { after?: string; limit: number }): Promise<AccessKeyRecord[]> {
    return (this.#q.listAccessKeys.all(opts.after ?? '', opts.limit) as Row[]).map(accessKeyFromRow);
  }

  async deleteAccessKey(accessKeyId: string): Promise<boolean> {
    return this.#q.delAccessKey.run(accessKeyId).changes === 1;
  }

  async putAccessKey(rec: AccessKeyRecord): Promise<void> {
    this.#q.putAccessKey.run(accessKeyParams(rec));
  }

  async close(): Promise<void> {
    // Before the database: closing its last connection removes the WAL file.
    const wal = this.#wal;
    this.#wal = undefined;
    if (wal !== undefined) await wal.then((fh) => fh.close()).catch(() => undefined);
    this.#db.close();
  }
}
