/**
 * In-memory KeyStore: for unit tests and as the reference the conformance suite pins down.
 * `failNext(op)` makes the next write of that kind throw, to prove no half state is left.
 */
import { StoreConflictError, StoreDuplicateError, type KeyStore } from '../../domain/ports.ts';
import type { AccessKeyRecord, AliasRecord, DeletedKeyRecord, GrantRecord, KeyRecord, MaterialRecord } from '../../domain/types.ts';

type WriteOp = 'createKey' | 'updateKey' | 'addMaterial' | 'putMaterials' | 'deleteKey' | 'createAlias' | 'updateAlias' | 'deleteAlias' | 'putAccessKey' | 'createGrant' | 'deleteGrant';

const clone = <T>(v: T): T => structuredClone(v);

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

  async listDueKeys(now: number, limit: number): Promise<string[]> {
    return [...this.#keys.values()]
      .filter((k) => (k.deletionDate !== undefined && k.deletionDate <= now) || (k.rotation.enabled && k.rotation.nextRotationAt !== undefined && k.rotation.nextRotationAt <= now) || (k.validTo !== undefined && k.validTo <= now))
      .map((k) => k.keyId)
      .sort()
      .slice(0, limit);
  }

  async createKey(key: KeyRecord, material?: MaterialRecord): Promise<void> {
    this.#maybeFail('createKey');
    if (this.#keys.has(key.keyId)) throw new StoreDuplicateError(`key ${key.keyId}`);
    this.#keys.set(key.keyId, clone(key));
    this.#materials.set(key.keyId, new Map(material ? [[material.materialId, clone(material)]] : []));
  }

  async getKey(keyId: string): Promise<KeyRecord | undefined> {
    const k = this.#keys.get(keyId);
    return k ? clone(k) : undefined;
  }

  async listKeys(account: string, region: string, afterKeyId: string | undefined, limit: number): Promise<KeyRecord[]> {
    return [...this.#keys.values()]
      .filter((k) => k.account === account && k.region === region && (afterKeyId === undefined || k.keyId > afterKeyId))
      .sort((a, b) => (a.keyId < b.keyId ? -1 : 1))
      .slice(0, limit)
      .map(clone);
  }

  #checkVersion(key: KeyRecord, expectedVersion: number): void {
    const cur = this.#keys.get(key.keyId);
    if (!cur || cur.version !== expectedVersion) throw new StoreConflictError(`key ${key.keyId} version ${expectedVersion}`);
  }

  async updateKey(key: KeyRecord, expectedVersion: number): Promise<void> {
    this.#checkVersion(key, expectedVersion);
    this.#maybeFail('updateKey');
    this.#keys.set(key.keyId, clone(key));
  }

  async addMaterial(key: KeyRecord, expectedVersion: number, material: MaterialRecord): Promise<void> {
    this.#checkVersion(key, expectedVersion);
    this.#maybeFail('addMaterial');
    this.#materials.get(key.keyId)!.set(material.materialId, clone(material));
    this.#keys.set(key.keyId, clone(key));
  }

  async putMaterials(key: KeyRecord, expectedVersion: number, materials: readonly MaterialRecord[]): Promise<void> {
    this.#checkVersion(key, expectedVersion);
    this.#maybeFail('putMaterials');
    const held = this.#materials.get(key.keyId)!;
    for (const m of materials) held.set(m.materialId, clone(m));
    this.#keys.set(key.keyId, clone(key));
  }

  async deleteKey(keyId: string, deletedAt: number, expectedVersion?: number): Promise<void> {
    this.#maybeFail('deleteKey');
    const key = this.#keys.get(keyId);
    if (expectedVersion !== undefined && key?.version !== expectedVersion) throw new StoreConflictError(`key ${keyId} version ${expectedVersion}`);
    if (key && !this.#deleted.has(keyId)) this.#deleted.set(keyId, { keyId, arn: key.arn, deletedAt });
    for (const [id, g] of this.#grants) if (g.keyId === keyId) this.#grants.delete(id);
    this.#keys.delete(keyId);
    this.#materials.delete(keyId);
    for (const [id, a] of this.#aliases) if (a.targetKeyId === keyId) this.#aliases.delete(id);
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

  async getDeletedKey(keyId: string): Promise<DeletedKeyRecord | undefined> {
    const d = this.#deleted.get(keyId);
    return d ? clone(d) : undefined;
  }

  async createGrant(grant: GrantRecord): Promise<void> {
    if (!this.#keys.has(grant.keyId)) throw new Error(`no key ${grant.keyId}`);
    const id = `${grant.keyId}/${grant.grantId}`;
    if (this.#grants.has(id)) throw new StoreDuplicateError(`grant ${grant.grantId}`);
    this.#maybeFail('createGrant');
    this.#grants.set(id, clone(grant));
  }

  async getGrant(keyId: string, grantId: string): Promise<GrantRecord | undefined> {
    const g = this.#grants.get(`${keyId}/${grantId}`);
    return g ? clone(g) : undefined;
  }

  async listGrants(keyId: string, opts: { after?: string; limit: number; grantId?: string; granteePrincipal?: string }): Promise<GrantRecord[]> {
    return [...this.#grants.values()]
      .filter((g) => g.keyId === keyId && (opts.after === undefined || g.grantId > opts.after) && (opts.grantId === undefined || g.grantId === opts.grantId) && (opts.granteePrincipal === undefined || g.granteePrincipal === opts.granteePrincipal))
      .sort((a, b) => (a.grantId < b.grantId ? -1 : 1))
      .slice(0, opts.limit)
      .map(clone);
  }

  async countGrants(keyId: string, opts: { granteePrincipal?: string } = {}): Promise<number> {
    let n = 0;
    for (const g of this.#grants.values()) if (g.keyId === keyId && (opts.granteePrincipal === undefined || g.granteePrincipal === opts.granteePrincipal)) n++;
    return n;
  }

  async listRetirableGrants(principal: string, opts: { after?: string; limit: number }): Promise<GrantRecord[]> {
    return [...this.#grants.values()]
      .filter((g) => g.retiringPrincipal === principal && (opts.after === undefined || `${g.keyId}/${g.grantId}` > opts.after))
      .sort((a, b) => (`${a.keyId}/${a.grantId}` < `${b.keyId}/${b.grantId}` ? -1 : 1))
      .slice(0, opts.limit)
      .map(clone);
  }

  async deleteGrant(keyId: string, grantId: string): Promise<boolean> {
    this.#maybeFail('deleteGrant');
    return this.#grants.delete(`${keyId}/${grantId}`);
  }

  async getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined> {
    const r = this.#accessKeys.get(accessKeyId);
    return r ? clone(r) : undefined;
  }

  async putAccessKey(rec: AccessKeyRecord): Promise<void> {
    this.#maybeFail('putAccessKey');
    this.#accessKeys.set(rec.accessKeyId, clone(rec));
  }

  async close(): Promise<void> {}
}
