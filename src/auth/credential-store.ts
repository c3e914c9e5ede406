/**
 * Access keys: the secret is stored wrapped by the root keyring and unwrapped only to verify a
 * signature. Unwrapped secrets are cached in memory (bounded), never logged.
 *
 * Several nodes share one store, each with its own cache. An STS session's expiry travels with
 * the cached record and is checked against the clock on every request (sigv4.ts), so an expired
 * session is refused on every node at once, cache or not. What a cache can hold stale is a record
 * another node replaced (the bootstrap root key re-put with a new secret): an entry is trusted
 * for at most CREDENTIAL_CACHE_TTL_MS (30 s) of this process's monotonic time, then re-read.
 */
import type { KeyStore, RootKeyring } from '../domain/ports.ts';
import type { AccessKeyRecord, Principal } from '../domain/types.ts';
import { wrapAad } from '../format/wrapped.ts';
import type { IdentitySource } from './identities.ts';
import { principalFromArn } from './principals.ts';

export interface ResolvedCredential {
  principal: Principal;
  secretAccessKey: string;
  sessionToken?: string;
  expiresAt?: Date;
}

const secretAad = (accessKeyId: string, principalArn: string) => wrapAad('trent:access-key-secret', accessKeyId, principalArn);

/** How long a node trusts a cached access-key record before reading the store again. */
export const CREDENTIAL_CACHE_TTL_MS = 30_000;

export class CredentialStore {
  readonly #store: Pick<KeyStore, 'getAccessKey' | 'putAccessKey'>;
  readonly #keyring: RootKeyring;
  readonly #cache = new Map<string, { resolved: ResolvedCredential; until: number }>();
  readonly #identities: IdentitySource | undefined;
  readonly #monotonicNow: () => number;

  /** `monotonicNow` (milliseconds) is for tests; the default is `performance.now`. */
  constructor(store: Pick<KeyStore, 'getAccessKey' | 'putAccessKey'>, keyring: RootKeyring, identities?: IdentitySource, monotonicNow: () => number = () => performance.now()) {
    this.#store = store;
    this.#keyring = keyring;
    this.#identities = identities;
    this.#monotonicNow = monotonicNow;
  }

  /** `via`: write through this view of the store instead (a request's audited view). */
  async put(p: { accessKeyId: string; secretAccessKey: string; principalArn: string; now: number; sessionToken?: string; expiresAt?: number }, via: Pick<KeyStore, 'putAccessKey'> = this.#store): Promise<void> {
    const principal = principalFromArn(p.principalArn);
    const rec: AccessKeyRecord = {
      accessKeyId: p.accessKeyId,
      principalArn: p.principalArn,
      accountId: principal.accountId,
      wrappedSecret: this.#keyring.wrap(Buffer.from(p.secretAccessKey, 'utf8'), secretAad(p.accessKeyId, p.principalArn)),
      createdAt: p.now,
      ...(p.sessionToken !== undefined ? { sessionToken: p.sessionToken } : {}),
      ...(p.expiresAt !== undefined ? { expiresAt: p.expiresAt } : {}),
    };
    await via.putAccessKey(rec);
    this.#cache.delete(p.accessKeyId);
  }

  async lookup(accessKeyId: string): Promise<ResolvedCredential | undefined> {
    // Keys declared in the identities file (re-read on SIGHUP) come first; they are never stored.
    const declared = this.#identities?.current.accessKey(accessKeyId);
    if (declared) return { principal: principalFromArn(declared.principal.arn, accessKeyId), secretAccessKey: declared.secret };
    const now = this.#monotonicNow();
    const hit = this.#cache.get(accessKeyId);
    if (hit && hit.until > now) return hit.resolved;
    this.#cache.delete(accessKeyId);
    const rec = await this.#store.getAccessKey(accessKeyId);
    if (!rec) return undefined;
    const secret = Buffer.from(this.#keyring.unwrap(rec.wrappedSecret, secretAad(rec.accessKeyId, rec.principalArn))).toString('utf8');
    const resolved: ResolvedCredential = {
      principal: principalFromArn(rec.principalArn, rec.accessKeyId),
      secretAccessKey: secret,
      ...(rec.sessionToken !== undefined ? { sessionToken: rec.sessionToken } : {}),
      ...(rec.expiresAt !== undefined ? { expiresAt: new Date(rec.expiresAt) } : {}),
    };
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(accessKeyId, { resolved, until: now + CREDENTIAL_CACHE_TTL_MS });
    return resolved;
  }
}
