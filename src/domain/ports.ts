/**
 * The ports the domain needs. Each consumer asks for the narrow slice it uses
 * (`Pick<KeyStore, …>`); only `app/` names the concrete adapters.
 */
import type { AccessKeyRecord, AliasRecord, DeletedKeyRecord, GrantRecord, KeyRecord, MaterialRecord } from './types.ts';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

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

/** Raised by `createGrant` with limits when the key or the grantee already has its quota of grants. */
export class StoreLimitError extends Error {
  constructor(readonly limit: 'per-key' | 'per-grantee') {
    super(`grant limit reached: ${limit}`);
  }
}

/** The grant quotas `createGrant` enforces atomically with the insert. */
export interface GrantLimits {
  /** Grants one key row may have. */
  readonly perKey: number;
  /** Grants one grantee principal may have on one key row. */
  readonly perGrantee: number;
}

/**
 * Names one key row: a key id in one Region. Single-Region keys have one row; a multi-Region
 * key has one row per Region (its primary and each replica), all with the same key id.
 * A KeyRecord or GrantRecord is itself a KeyRef.
 */
export interface KeyRef {
  keyId: string;
  region: string;
}

/** Where ListRetirableGrants resumes: after this grant, in (region, key id, grant id) order. */
export interface RetirableGrantCursor {
  region: string;
  keyId: string;
  grantId: string;
}

export interface KeyStore {
  /** A value kept for the whole store (schema version, root key check). Returns the stored value. */
  putMetaIfAbsent(name: string, value: string): Promise<string>;
  getMeta(name: string): Promise<string | undefined>;
  putMeta(name: string, value: string): Promise<void>;

  /**
   * Creates the key and its first material together, or nothing. Without a material: a key of
   * Origin EXTERNAL, which has none until ImportKeyMaterial, or a multi-Region replica, which
   * shares the materials of its key id. StoreDuplicateError if the key id exists in that Region.
   */
  createKey(key: KeyRecord, material?: MaterialRecord): Promise<void>;
  getKey(ref: KeyRef): Promise<KeyRecord | undefined>;
  /** Every Region's row of one key id (a multi-Region key's primary and replicas), ordered by Region. */
  listKeyRegions(keyId: string): Promise<KeyRecord[]>;
  /** Keys of one account and Region, ordered by key id, after the given key id. */
  listKeys(account: string, region: string, afterKeyId: string | undefined, limit: number): Promise<KeyRecord[]>;
  /** Replaces the key row if its stored version is `expectedVersion`; else StoreConflictError. */
  updateKey(key: KeyRecord, expectedVersion: number): Promise<void>;
  /**
   * Replaces several key rows (of one key id in several Regions) in one transaction, each only
   * if its stored version is the one given; else StoreConflictError and nothing changes.
   */
  updateKeys(changes: readonly { key: KeyRecord; expectedVersion: number }[]): Promise<void>;
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
   * Deletes the key row of one Region, its aliases and grants in one transaction, leaving a
   * tombstone for that Region — and the key id's materials once no Region holds the key id.
   * With `expectedVersion`, only if the stored key is at that version, else StoreConflictError
   * and nothing changes: the scheduler's claim, so two nodes never both delete a key, and a
   * CancelKeyDeletion that commits first is never undone.
   */
  deleteKey(ref: KeyRef, deletedAt: number, expectedVersion?: number): Promise<void>;
  /** The tombstone of a deleted key: its ciphertexts are then NotFound, not merely invalid. */
  getDeletedKey(ref: KeyRef): Promise<DeletedKeyRecord | undefined>;
  /**
   * Keys whose deletion date, next automatic rotation date (rotation enabled, not a multi-Region
   * replica) or imported-material expiry (`validTo`) is at or before `now`, by (key id, Region).
   */
  listDueKeys(now: number, limit: number): Promise<KeyRef[]>;
  /** Materials belong to the key id: every Region's row of a multi-Region key shares them. */
  getMaterial(keyId: string, materialId: string): Promise<MaterialRecord | undefined>;
  listMaterials(keyId: string): Promise<MaterialRecord[]>;

  /** StoreDuplicateError if the name is taken in that account and Region. */
  createAlias(alias: AliasRecord): Promise<void>;
  getAlias(account: string, region: string, aliasName: string): Promise<AliasRecord | undefined>;
  updateAlias(alias: AliasRecord): Promise<void>;
  deleteAlias(account: string, region: string, aliasName: string): Promise<boolean>;
  /** Ordered by alias name, after the given name; optionally only those targeting one key. */
  listAliases(account: string, region: string, opts: { keyId?: string; after?: string; limit: number }): Promise<AliasRecord[]>;

  /** Grants belong to one key row (key id and Region), like its policy and tags. */
  /**
   * With `limits`, the grantee's count, the key's count and the insert are one atomic step: when
   * the grantee (checked first) or the key already has its quota, nothing is written and
   * StoreLimitError says which; two concurrent calls cannot both take the last place.
   */
  createGrant(grant: GrantRecord, limits?: GrantLimits): Promise<void>;
  getGrant(key: KeyRef, grantId: string): Promise<GrantRecord | undefined>;
  /** Grants of one key ordered by grant id, after `after`; optionally only one grant id or one grantee. */
  listGrants(key: KeyRef, opts: { after?: string; limit: number; grantId?: string; granteePrincipal?: string }): Promise<GrantRecord[]>;
  /** How many grants one key has; optionally only those of one grantee (for the grant quotas). */
  countGrants(key: KeyRef, opts?: { granteePrincipal?: string }): Promise<number>;
  /** Grants whose retiring principal is `principal`, ordered by (Region, key id, grant id), after `after`. */
  listRetirableGrants(principal: string, opts: { after?: RetirableGrantCursor; limit: number }): Promise<GrantRecord[]>;
  deleteGrant(key: KeyRef, grantId: string): Promise<boolean>;

  getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined>;
  putAccessKey(rec: AccessKeyRecord): Promise<void>;
  /** Stored access keys and sessions ordered by access key id, after `after` (operators' listing, session revocation). */
  listAccessKeys(opts: { after?: string; limit: number }): Promise<AccessKeyRecord[]>;
  /** Revokes a stored access key or session: the next request signed with it is refused. */
  deleteAccessKey(accessKeyId: string): Promise<boolean>;

  close(): Promise<void>;
}

export interface RootKeyring {
  wrap(plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  /** Throws if the wrapped bytes were not made by this root key with this AAD. */
  unwrap(wrapped: Uint8Array, aad: Uint8Array): Uint8Array;
  /** A value that identifies the root key without revealing it (stored to detect a wrong root key). */
  checkValue(): string;
}
