/**
 * The ports the domain needs. Each consumer asks for the narrow slice it uses
 * (`Pick<KeyStore, …>`); only `app/` names the concrete adapters.
 */
import type { AccessKeyRecord, AliasRecord, DeletedKeyRecord, GrantRecord, KeyRecord, MaterialRecord } from './types.ts';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface Page<T> {
  items: T[];
  /** Present when more items follow: pass it back as `after`. */
  next?: string;
}

/** Raised by a store when an optimistic update lost a race; the domain retries. */
export class StoreConflictError extends Error {
  constructor(what: string) {
    super(`store conflict: ${what}`);
  }
}

/** Raised by a store when a unique name is taken (alias). */
export class StoreDuplicateError extends Error {
  constructor(what: string) {
    super(`duplicate: ${what}`);
  }
}

export interface KeyStore {
  /** A value kept for the whole store (schema version, root key check). Returns the stored value. */
  putMetaIfAbsent(name: string, value: string): Promise<string>;
  getMeta(name: string): Promise<string | undefined>;
  putMeta(name: string, value: string): Promise<void>;

  /**
   * Creates the key and its first material together, or nothing. Without a material: a key of
   * Origin EXTERNAL, which has none until ImportKeyMaterial.
   */
  createKey(key: KeyRecord, material?: MaterialRecord): Promise<void>;
  getKey(keyId: string): Promise<KeyRecord | undefined>;
  /** Keys of one account and Region, ordered by key id, after the given key id. */
  listKeys(account: string, region: string, afterKeyId: string | undefined, limit: number): Promise<KeyRecord[]>;
  /** Replaces the key row if its stored version is `expectedVersion`; else StoreConflictError. */
  updateKey(key: KeyRecord, expectedVersion: number): Promise<void>;
  /** Adds a material and replaces the key row in one transaction (rotation); StoreConflictError on a lost race. */
  addMaterial(key: KeyRecord, expectedVersion: number, material: MaterialRecord): Promise<void>;
  /**
   * Writes materials of the key — each inserted, or replacing the stored one with the same
   * material id — and replaces the key row, in one transaction, if the stored key is at
   * `expectedVersion`; else StoreConflictError and nothing changes. Imported key material:
   * import, re-import, deletion, expiry, and rotation to a material imported for it.
   */
  putMaterials(key: KeyRecord, expectedVersion: number, materials: readonly MaterialRecord[]): Promise<void>;
  /**
   * Deletes the key, its materials, aliases and grants in one transaction, leaving a tombstone.
   * With `expectedVersion`, only if the stored key is at that version, else StoreConflictError
   * and nothing changes: the scheduler's claim, so two nodes never both delete a key, and a
   * CancelKeyDeletion that commits first is never undone.
   */
  deleteKey(keyId: string, deletedAt: number, expectedVersion?: number): Promise<void>;
  /** The tombstone of a deleted key: its ciphertexts are then NotFound, not merely invalid. */
  getDeletedKey(keyId: string): Promise<DeletedKeyRecord | undefined>;
  /**
   * Ids of keys whose deletion date, next automatic rotation date (rotation enabled) or
   * imported-material expiry (`validTo`) is at or before `now`.
   */
  listDueKeys(now: number, limit: number): Promise<string[]>;
  getMaterial(keyId: string, materialId: string): Promise<MaterialRecord | undefined>;
  listMaterials(keyId: string): Promise<MaterialRecord[]>;

  /** StoreDuplicateError if the name is taken in that account and Region. */
  createAlias(alias: AliasRecord): Promise<void>;
  getAlias(account: string, region: string, aliasName: string): Promise<AliasRecord | undefined>;
  updateAlias(alias: AliasRecord): Promise<void>;
  deleteAlias(account: string, region: string, aliasName: string): Promise<boolean>;
  /** Ordered by alias name, after the given name; optionally only those targeting one key. */
  listAliases(account: string, region: string, opts: { keyId?: string; after?: string; limit: number }): Promise<AliasRecord[]>;

  createGrant(grant: GrantRecord): Promise<void>;
  getGrant(keyId: string, grantId: string): Promise<GrantRecord | undefined>;
  /** Grants of one key ordered by grant id, after `after`; optionally only one grant id or one grantee. */
  listGrants(keyId: string, opts: { after?: string; limit: number; grantId?: string; granteePrincipal?: string }): Promise<GrantRecord[]>;
  /** How many grants one key has; optionally only those of one grantee (for the grant quotas). */
  countGrants(keyId: string, opts?: { granteePrincipal?: string }): Promise<number>;
  /** Grants whose retiring principal is `principal`, ordered by (key id, grant id) after `after` ("keyId/grantId"). */
  listRetirableGrants(principal: string, opts: { after?: string; limit: number }): Promise<GrantRecord[]>;
  deleteGrant(keyId: string, grantId: string): Promise<boolean>;

  getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined>;
  putAccessKey(rec: AccessKeyRecord): Promise<void>;

  close(): Promise<void>;
}

export interface RootKeyring {
  wrap(plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  /** Throws if the wrapped bytes were not made by this root key with this AAD. */
  unwrap(wrapped: Uint8Array, aad: Uint8Array): Uint8Array;
  /** A value that identifies the root key without revealing it (stored to detect a wrong root key). */
  checkValue(): string;
}
