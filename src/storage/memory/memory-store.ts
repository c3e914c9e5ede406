/**
 * In-memory KeyStore: for unit tests and as the reference the conformance suite pins down.
 * `failNext(op)` makes the next write of that kind throw, to prove no half state is left.
 */
import { StoreConflictError, StoreDuplicateError, StoreLimitError, type GrantLimits, type KeyRef, type KeyStore, type RetirableGrantCursor } from '../../domain/ports.ts';
import { rotates } from '../key-codec.ts';
import type { AccessKeyRecord, AliasRecord, DeletedKeyRecord, GrantRecord, KeyRecord, MaterialRecord } from '../../domain/types.ts';

type WriteOp = 'createKey' | 'updateKey' | 'updateKeys' | 'addMaterial' | 'putMaterials' | 'deleteKey' | 'createAlias' | 'updateAlias' | 'deleteAlias' | 'putAccessKey' | 'deleteAccessKey' | 'createGrant' | 'deleteGrant';

const clone = <T>(v: T): T => structuredClone(v);
/** Key rows and tombstones are per (Region, key id); materials per key id. */
const rowId = (r: KeyRef): string => `${r.region}\u0000${r.keyId}`;
const grantRowId = (r: KeyRef, grantId: string): string => `${r.region}\u0000${r.keyId}\u0000${grantId}`;

export class MemoryStore implements KeyStore {
  readonly #meta = new Map<string, string>();
  readonly #keys = new Map<string, KeyRecord>();
  readonly #materials = new Map<string, Map<string, MaterialRecord>>();
  readonly #aliases = new Map<string, AliasRecord>();
  readonly #accessKeys = new Map<string, AccessKeyRecord>();
  readonly #grants = new Map<string, GrantRecord>();
  readonly #deleted = new Map<string, DeletedKeyRecord>();
  readonly #failures = new Set<WriteOp>();

  failNext(op: WriteOp): void {
    this.#failures.add(op);
  }

  #maybeFail(op: WriteOp): void {
    if (this.#failures.delete(op)) throw new Error(`injected failure: ${op}`);
  }

  async putMetaIfAbsent(name: string, value: string): Promise<string> {
    if (!this.#meta.has(name)) this.#meta.set(name, value);
    return this.#meta.get(name)!;
  }

  async getMeta(name: string): Promise<string | undefined> {
    return this.#meta.get(name);
  }

  async putMeta(name: string, value: string): Promise<void> {
    this.#meta.set(name, value);
  }

  async listDueKeys(now: number, limit: number): Promise<KeyRef[]> {
    return [...this.#keys.values()]
      .filter((k) => (k.deletionDate !== undefined && k.deletionDate <= now) || (rotates(k) && k.rotation.nextRotationAt !== undefined && k.rotation.nextRotationAt <= now) || (k.validTo !== undefined && k.validTo <= now))
      .sort((a, b) => (a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : a.region < b.region ? -1 : 1))
      .slice(0, limit)
      .map((k) => ({ keyId: k.keyId, region: k.region }));
  }

  async createKey(key: KeyRecord, material?: MaterialRecord): Promise<void> {
    this.#maybeFail('createKey');
    if (this.#keys.has(rowId(key))) throw new StoreDuplicateError(`key ${key.keyId}`);
    this.#keys.set(rowId(key), clone(key));
    const held = this.#materials.get(key.keyId) ?? new Map<string, MaterialRecord>();
    if (material) held.set(material.materialId, clone(material));
    this.#materials.set(key.keyId, held);
  }

  async getKey(ref: KeyRef): Promise<KeyRecord | undefined> {
    const k = this.#keys.get(rowId(ref));
    return k ? clone(k) : undefined;
  }

  async listKeyRegions(keyId: string): Promise<KeyRecord[]> {
    return [...this.#keys.values()].filter((k) => k.keyId === keyId).sort((a, b) => (a.region < b.region ? -1 : 1)).map(clone);
  }

  async listKeys(account: string, region: string, afterKeyId: string | undefined, limit: number): Promise<KeyRecord[]> {
    return [...this.#keys.values()]
      .filter((k) => k.account === account && k.region === region && (afterKeyId === undefined || k.keyId > afterKeyId))
      .sort((a, b) => (a.keyId < b.keyId ? -1 : 1))
      .slice(0, limit)
      .map(clone);
  }

  #checkVersion(key: KeyRecord, expectedVersion: number): void {
    const cur = this.#keys.get(rowId(key));
    if (!cur || cur.version !== expectedVersion) throw new StoreConflictError(`key ${key.keyId} version ${expectedVersion}`);
  }

  async updateKey(key: KeyRecord, expectedVersion: number): Promise<void> {
    this.#checkVersion(key, expectedVersion);
    this.#maybeFail('updateKey');
    this.#keys.set(rowId(key), clone(key));
  }

  async updateKeys(changes: readonly { key: KeyRecord; expectedVersion: number }[]): Promise<void> {
    for (const c of changes) this.#checkVersion(c.key, c.expectedVersion);
    this.#maybeFail('updateKeys');
    for (const c of changes) this.#keys.set(rowId(c.key), clone(c.key));
  }

  async addMaterial(key: KeyRecord, expectedVersion: number, material: MaterialRecord): Promise<void> {
    this.#checkVersion(key, expectedVersion);
    this.#maybeFail('addMaterial');
    this.#materials.get(key.keyId)!.set(material.materialId, clone(material));
    this.#keys.set(rowId(key), clone(key));
  }

  async putMaterials(key: KeyRecord, expectedVersion: number, materials: readonly MaterialRecord[]): Promise<void> {
    this.#checkVersion(key, expectedVersion);
    this.#maybeFail('putMaterials');
    const held = this.#materials.get(key.keyId)!;
    for (const m of materials) held.set(m.materialId, clone(m));
    this.#keys.set(rowId(key), clone(key));
  }

  async deleteKey(ref: KeyRef, deletedAt: number, expectedVersion?: number): Promise<void> {
    this.#maybeFail('deleteKey');
    const { keyId, region } = ref;
    const key = this.#keys.get(rowId(ref));
    if (expectedVersion !== undefined && key?.version !== expectedVersion) throw new StoreConflictError(`key ${keyId} version ${expectedVersion}`);
    if (key && !this.#deleted.has(rowId(ref))) this.#deleted.set(rowId(ref), { keyId, region, arn: key.arn, deletedAt });
    for (const [id, g] of this.#grants) if (g.keyId === keyId && g.region === region) this.#grants.delete(id);
    this.#keys.delete(rowId(ref));
    if (![...this.#keys.values()].some((k) => k.keyId === keyId)) this.#materials.delete(keyId);
    for (const [id, a] of this.#aliases) if (a.targetKeyId === keyId && a.region === region) this.#aliases.delete(id);
  }

  async getMaterial(keyId: string, materialId: string): Promise<MaterialRecord | undefined> {
    const m = this.#materials.get(keyId)?.get(materialId);
    return m ? clone(m) : undefined;
  }

  async listMaterials(keyId: string): Promise<MaterialRecord[]> {
    return [...(this.#materials.get(keyId)?.values() ?? [])].sort((a, b) => a.createdAt - b.createdAt).map(clone);
  }

  #aliasId(account: string, region: string, name: string): string {
    return `${account}\u0000${region}\u0000${name}`;
  }

  async createAlias(alias: AliasRecord): Promise<void> {
    const id = this.#aliasId(alias.account, alias.region, alias.aliasName);
    if (this.#aliases.has(id)) throw new StoreDuplicateError(`alias ${alias.aliasName}`);
    this.#maybeFail('createAlias');
    this.#aliases.set(id, clone(alias));
  }

  async getAlias(account: string, region: string, aliasName: string): Promise<AliasRecord | undefined> {
    const a = this.#aliases.get(this.#aliasId(account, region, aliasName));
    return a ? clone(a) : undefined;
  }

  async updateAlias(alias: AliasRecord): Promise<void> {
    const id = this.#aliasId(alias.account, alias.region, alias.aliasName);
    if (!this.#aliases.has(id)) return;
    this.#maybeFail('updateAlias');
    this.#aliases.set(id, clone(alias));
  }

  async deleteAlias(account: string, region: string, aliasName: string): Promise<boolean> {
    this.#maybeFail('deleteAlias');
    return this.#aliases.delete(this.#aliasId(account, region, aliasName));
  }

  async listAliases(account: string, region: string, opts: { keyId?: string; after?: string; limit: number }): Promise<AliasRecord[]> {
    return [...this.#aliases.values()]
      .filter((a) => a.account === account && a.region === region && (opts.keyId === undefined || a.targetKeyId === opts.keyId) && (opts.after === undefined || a.aliasName > opts.after))
      .sort((a, b) => (a.aliasName < b.aliasName ? -1 : 1))
      .slice(0, opts.limit)
      .map(clone);
  }

  async getDeletedKey(ref: KeyRef): Promise<DeletedKeyRecord | undefined> {
    const d = this.#deleted.get(rowId(ref));
    return d ? clone(d) : undefined;
  }

  async createGrant(grant: GrantRecord, limits?: GrantLimits): Promise<void> {
    if (!this.#keys.has(rowId(grant))) throw new Error(`no key ${grant.keyId}`);
    const id = grantRowId(grant, grant.grantId);
    if (this.#grants.has(id)) throw new StoreDuplicateError(`grant ${grant.grantId}`);
    this.#maybeFail('createGrant');
    // No await between the counts and the insert: atomic in one event loop.
    if (limits) {
      let forKey = 0;
      let forGrantee = 0;
      for (const g of this.#grants.values()) {
        if (g.keyId !== grant.keyId || g.region !== grant.region) continue;
        forKey++;
        if (g.granteePrincipal === grant.granteePrincipal) forGrantee++;
      }
      if (forGrantee >= limits.perGrantee) throw new StoreLimitError('per-grantee');
      if (forKey >= limits.perKey) throw new StoreLimitError('per-key');
    }
    this.#grants.set(id, clone(grant));
  }

  async getGrant(key: KeyRef, grantId: string): Promise<GrantRecord | undefined> {
    const g = this.#grants.get(grantRowId(key, grantId));
    return g ? clone(g) : undefined;
  }

  async listGrants(key: KeyRef, opts: { after?: string; limit: number; grantId?: string; granteePrincipal?: string }): Promise<GrantRecord[]> {
    return [...this.#grants.values()]
      .filter((g) => g.keyId === key.keyId && g.region === key.region && (opts.after === undefined || g.grantId > opts.after) && (opts.grantId === undefined || g.grantId === opts.grantId) && (opts.granteePrincipal === undefined || g.granteePrincipal === opts.granteePrincipal))
      .sort((a, b) => (a.grantId < b.grantId ? -1 : 1))
      .slice(0, opts.limit)
      .map(clone);
  }

  async countGrants(key: KeyRef, opts: { granteePrincipal?: string } = {}): Promise<number> {
    let n = 0;
    for (const g of this.#grants.values()) if (g.keyId === key.keyId && g.region === key.region && (opts.granteePrincipal === undefined || g.granteePrincipal === opts.granteePrincipal)) n++;
    return n;
  }

  async listRetirableGrants(principal: string, opts: { after?: RetirableGrantCursor; limit: number }): Promise<GrantRecord[]> {
    const order = (a: RetirableGrantCursor, b: RetirableGrantCursor): number =>
      a.region !== b.region ? (a.region < b.region ? -1 : 1) : a.keyId !== b.keyId ? (a.keyId < b.keyId ? -1 : 1) : a.grantId < b.grantId ? -1 : a.grantId > b.grantId ? 1 : 0;
    const after = opts.after;
    return [...this.#grants.values()]
      .filter((g) => g.retiringPrincipal === principal && (after === undefined || order(g, after) > 0))
      .sort(order)
      .slice(0, opts.limit)
      .map(clone);
  }

  async deleteGrant(key: KeyRef, grantId: string): Promise<boolean> {
    this.#maybeFail('deleteGrant');
    return this.#grants.delete(grantRowId(key, grantId));
  }

  async getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined> {
    const r = this.#accessKeys.get(accessKeyId);
    return r ? clone(r) : undefined;
  }

  async putAccessKey(rec: AccessKeyRecord): Promise<void> {
    this.#maybeFail('putAccessKey');
    this.#accessKeys.set(rec.accessKeyId, clone(rec));
  }

  async listAccessKeys(opts: { after?: string; limit: number }): Promise<AccessKeyRecord[]> {
    const after = opts.after ?? '';
    return [...this.#accessKeys.keys()]
      .filter((id) => id > after)
      .sort()
      .slice(0, opts.limit)
      .map((id) => clone(this.#accessKeys.get(id)!));
  }

  async deleteAccessKey(accessKeyId: string): Promise<boolean> {
    this.#maybeFail('deleteAccessKey');
    return this.#accessKeys.delete(accessKeyId);
  }

  async close(): Promise<void> {}
}
