/**
 * The domain's shared machinery: key resolution (id | ARN | alias | alias ARN), authorization,
 * unwrapped-material cache, and optimistic key mutation. Operation groups build on it.
 */
import { materialReady } from '../crypto/key-material.ts';
import type { Rng } from '../crypto/rng.ts';
import { wrapAad } from '../format/wrapped.ts';
import { InvalidCiphertextException, NotFoundException } from '../shared/errors.ts';
import { aliasArn, keyArn, parseKeyRef } from '../shared/ids.ts';
import { regionsAccepted } from '../shared/regions.ts';
import { withoutV4Mapping } from '../shared/source-ip.ts';
import type { Authorizer, AuthzRequest } from './authorizer.ts';
import { StoreConflictError, type Clock, type KeyRef, type KeyStore, type RootKeyring } from './ports.ts';
import type { KeyRecord, MaterialRecord, Principal, ServiceContext } from './types.ts';

/** A request inside the domain: its caller, its grant tokens, and the keys it touched. */
export interface CallContext {
  principal: Principal;
  region: string;
  requestId: string;
  sourceIp?: string;
  /** Whether the request came over TLS (aws:SecureTransport). */
  secureTransport?: boolean;
  /** Set only by Trent's own service front ends (kms:ViaService …). */
  service?: ServiceContext;
  /** GrantTokens of the request: grants they name apply at once. */
  grantTokens?: readonly string[];
  /**
   * The keys the request read or created, by key id, first one first: its CloudTrail
   * `resources`, and the key it is billed by. Filled by `resolve`, `keyOf` and `touch`.
   */
  touched?: Map<string, Touched>;
}

/** What the audit trail keeps of a key the request touched. */
export type Touched = Pick<KeyRecord, 'keyId' | 'arn' | 'account' | 'keySpec' | 'keyManager'>;

/** Notes `key` as one of the request's resources. */
export function touch(ctx: CallContext, key: KeyRecord): void {
  if (ctx.touched && !ctx.touched.has(key.keyId)) ctx.touched.set(key.keyId, key);
}

export interface CoreDeps {
  store: KeyStore;
  keyring: RootKeyring;
  clock: Clock;
  rng: Rng;
  authorizer: Authorizer;
  partition: string;
  /** Upper bound of unwrapped materials kept in memory. */
  materialCacheSize?: number;
  /** The Regions served (requests, ReplicateKey targets); default: the AWS commercial Regions. */
  acceptsRegion?: (region: string) => boolean;
}

export const materialAad = (keyId: string, materialId: string) => wrapAad('trent:key-material', keyId, materialId);

/**
 * The condition keys of a call an integrated service makes on a user's behalf: kms:ViaService
 * names the service and Region ("AWS KMS condition keys"), aws:ViaAWSService is true, and
 * kms:GrantIsForAWSResource is true when the service asks for the grant it uses.
 */
function serviceConditions(s: ServiceContext): Record<string, string> {
  return {
    'kms:ViaService': s.viaService,
    'aws:ViaAWSService': 'true',
    ...(s.grantIsForAWSResource ? { 'kms:GrantIsForAWSResource': 'true' } : {}),
  };
}

export class Core {
  readonly store: KeyStore;
  readonly keyring: RootKeyring;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly authorizer: Authorizer;
  readonly partition: string;
  readonly acceptsRegion: (region: string) => boolean;
  readonly #deps: CoreDeps;
  readonly #cache: Map<string, Uint8Array>;
  readonly #cacheSize: number;
  /** Unwrapped-material cache lookups (metrics). */
  readonly cacheStats: { hits: number; misses: number };

  constructor(d: CoreDeps, shared?: Core) {
    this.#deps = d;
    this.store = d.store;
    this.keyring = d.keyring;
    this.clock = d.clock;
    this.rng = d.rng;
    this.authorizer = d.authorizer;
    this.partition = d.partition;
    this.acceptsRegion = d.acceptsRegion ?? regionsAccepted('us-east-1');
    this.#cacheSize = d.materialCacheSize ?? 10_000;
    this.#cache = shared ? shared.#cache : new Map();
    this.cacheStats = shared ? shared.cacheStats : { hits: 0, misses: 0 };
  }

  /**
   * The same core reading and writing through another view of the store (a request's audited
   * view: audit-store.ts); caches and counters are shared with this one.
   */
  withStore(store: KeyStore): Core {
    return new Core({ ...this.#deps, store }, this);
  }

  now(): number {
    return this.clock.now().getTime();
  }

  keyArn(region: string, account: string, keyId: string): string {
    return keyArn(this.partition, region, account, keyId);
  }

  aliasArn(region: string, account: string, aliasName: string): string {
    return aliasArn(this.partition, region, account, aliasName);
  }

  /**
   * Resolves a KeyId parameter that may not be an alias (key id or key ARN). "To specify a KMS
   * key in a different AWS account, you must use the key ARN or alias ARN" (KMS API reference):
   * a bare id is the caller's.
   */
  async resolve(ctx: CallContext, raw: string): Promise<KeyRecord> {
    return (await this.#resolveRef(ctx, raw, false)).key;
  }

  /**
   * Resolves a KeyId parameter that may also be an alias name or alias ARN, with the alias the
   * request named the key by: the request's kms:RequestAlias, which the caller passes on to
   * `authorize` (it is the request's, not the key's, so it travels with the request).
   */
  async resolveNamed(ctx: CallContext, raw: string): Promise<{ key: KeyRecord; requestAlias?: string }> {
    return this.#resolveRef(ctx, raw, true);
  }

  async #resolveRef(ctx: CallContext, raw: string, allowAlias: boolean): Promise<{ key: KeyRecord; requestAlias?: string }> {
    const ref = parseKeyRef(raw, allowAlias);
    const caller = ctx.principal.accountId;
    switch (ref.kind) {
      case 'id':
        return { key: await this.#keyIn(ctx, ref.keyId, caller, ctx.region) };
      case 'keyArn':
        if (ref.region !== ctx.region) throw new NotFoundException(`Invalid arn ${ref.region}`);
        return { key: await this.#keyIn(ctx, ref.keyId, ref.account, ref.region) };
      case 'alias':
      case 'aliasArn': {
        const account = ref.kind === 'aliasArn' ? ref.account : caller;
        const region = ref.kind === 'aliasArn' ? ref.region : ctx.region;
        if (region !== ctx.region) throw new NotFoundException(`Invalid arn ${region}`);
        const alias = await this.store.getAlias(account, region, ref.aliasName);
        if (!alias) throw new NotFoundException(`Alias ${this.aliasArn(region, account, ref.aliasName)} is not found.`);
        return { key: await this.#keyIn(ctx, alias.targetKeyId, account, region), requestAlias: ref.aliasName };
      }
    }
  }

  async #keyIn(ctx: CallContext, keyId: string, account: string, region: string): Promise<KeyRecord> {
    // The store answers the row of `region`; the account is what a bare key id cannot name.
    const key = await this.store.getKey({ keyId, region });
    if (!key || key.account !== account) {
      throw new NotFoundException(`Key '${this.keyArn(region, account, keyId)}' does not exist`);
    }
    touch(ctx, key);
    return key;
  }

  /**
   * A key read by the request other than through its parameters (the key a ciphertext names, the
   * other Regions of a multi-Region key): one of the request's resources when found.
   */
  async keyOf(ctx: CallContext, ref: KeyRef): Promise<KeyRecord | undefined> {
    const key = await this.store.getKey(ref);
    if (key) touch(ctx, key);
    return key;
  }

  /** `requestAlias`: the alias the request named the key by (`resolveNamed`), kms:RequestAlias. */
  async authorize(ctx: CallContext, action: string, key: KeyRecord | undefined, { requestAlias, ...extra }: Partial<AuthzRequest> & { requestAlias?: string | undefined } = {}): Promise<void> {
    await this.authorizer.authorize({
      principal: ctx.principal,
      action,
      resource: key?.arn ?? '*',
      ...(key ? { key } : {}),
      ...(ctx.grantTokens ? { grantTokens: ctx.grantTokens } : {}),
      ...extra,
      conditions: {
        ...(ctx.sourceIp ? { 'aws:SourceIp': withoutV4Mapping(ctx.sourceIp) } : {}),
        ...(ctx.secureTransport !== undefined ? { 'aws:SecureTransport': String(ctx.secureTransport) } : {}),
        ...(requestAlias !== undefined ? { 'kms:RequestAlias': requestAlias } : {}),
        ...(ctx.service ? serviceConditions(ctx.service) : {}),
        ...extra.conditions,
      },
    });
  }

  newMaterialId(): string {
    return Buffer.from(this.rng.bytes(32)).toString('hex');
  }

  /**
   * Wraps a key's material with the root keyring, bound to its key and material ids (the AAD
   * `material()` unwraps with): the one place a material record's bytes are made, for created,
   * rotated, imported and seeded material alike.
   */
  wrapMaterial(keyId: string, materialId: string, plain: Uint8Array): Uint8Array {
    return this.keyring.wrap(plain, materialAad(keyId, materialId));
  }

  /** Creates a fresh 256-bit material record, wrapped by the root keyring. */
  newSymmetricMaterial(keyId: string, rotationType?: MaterialRecord['rotationType']): { record: MaterialRecord; plain: Uint8Array } {
    return this.newMaterial(keyId, this.rng.bytes(32), rotationType);
  }

  /** A new material record of `plain` (generated now, under a fresh random id), wrapped by the root keyring. */
  newMaterial(keyId: string, plain: Uint8Array, rotationType?: MaterialRecord['rotationType']): { record: MaterialRecord; plain: Uint8Array } {
    const materialId = this.newMaterialId();
    const record: MaterialRecord = {
      keyId,
      materialId,
      createdAt: this.now(),
      wrapped: this.wrapMaterial(keyId, materialId, plain),
      ...(rotationType ? { rotationType } : {}),
    };
    return { record, plain };
  }

  cacheMaterial(keyId: string, materialId: string, plain: Uint8Array): void {
    if (this.#cache.size >= this.#cacheSize) {
      const first = this.#cache.keys().next().value;
      if (first !== undefined) {
        this.#cache.get(first)?.fill(0);
        this.#cache.delete(first);
      }
    }
    this.#cache.set(`${keyId}/${materialId}`, plain);
  }

  /** Unwrapped material of a key; undefined when the key has no such material. Materials never change, so caching is safe. */
  async material(keyId: string, materialId: string): Promise<Uint8Array | undefined> {
    const id = `${keyId}/${materialId}`;
    let plain = this.#cache.get(id);
    if (plain) this.cacheStats.hits++;
    else {
      this.cacheStats.misses++;
      const rec = await this.store.getMaterial(keyId, materialId);
      // Imported material that was deleted or expired keeps its record but not its bytes.
      if (!rec || rec.wrapped.length === 0) return undefined;
      plain = this.keyring.unwrap(rec.wrapped, materialAad(keyId, materialId));
      this.cacheMaterial(keyId, materialId, plain);
    }
    // Every use of material goes through here (cached or not: a new key's material is cached at
    // creation): the algorithm's implementation loads on first need.
    const ready = materialReady(plain);
    if (ready) await ready;
    return plain;
  }

  async requireMaterial(keyId: string, materialId: string): Promise<Uint8Array> {
    const m = await this.material(keyId, materialId);
    if (!m) throw new InvalidCiphertextException();
    return m;
  }

  forgetKey(keyId: string): void {
    for (const [id, m] of this.#cache) {
      if (id.startsWith(`${keyId}/`)) {
        m.fill(0);
        this.#cache.delete(id);
      }
    }
  }

  /**
   * Applies `change` to the latest version of the key and writes it with optimistic concurrency,
   * retrying on a lost race. `change` may throw a KmsError to refuse; it returns the new record.
   */
  async mutate(key: KeyRecord, change: (k: KeyRecord) => KeyRecord): Promise<KeyRecord> {
    return this.onFreshKey(key, async (current) => {
      const next = { ...change(structuredClone(current)), version: current.version + 1 };
      await this.store.updateKey(next, current.version);
      return next;
    });
  }

  /**
   * Runs `write` (a conditional write on `key.version`) and, when another change of the key
   * committed first (StoreConflictError), runs it again on the fresh key: a lost race decides
   * again instead of surfacing as an internal error.
   */
  async onFreshKey<T>(key: KeyRecord, write: (current: KeyRecord) => Promise<T>): Promise<T> {
    let current = key;
    for (let attempt = 0; ; attempt++) {
      try {
        return await write(current);
      } catch (e) {
        if (!(e instanceof StoreConflictError) || attempt >= 8) throw e;
        const fresh = await this.store.getKey(key);
        if (!fresh) throw new NotFoundException(`Key '${key.arn}' does not exist`);
        current = fresh;
      }
    }
  }
}
