/**
 * Access keys: the secret is stored wrapped by the root keyring and unwrapped only to verify a
 * signature. Unwrapped secrets are cached in memory (bounded), never logged.
 *
 * Several nodes share one store. Revocation must reach every node at once (`trent credentials
 * revoke`, a replaced bootstrap root key, a role removed from the identities file on one node),
 * so every request re-reads its access-key record from the store: a record that is gone is
 * refused there and then, whatever this node has cached. The cache only spares the unwrap: it is
 * used when the stored record is the one it was made from.
 *
 * A role session also needs its role: one whose role this node's identities file no longer
 * declares is refused, even before the reload that removed it has deleted it from the store.
 */
import type { KeyStore, RootKeyring } from '../domain/ports.ts';
import type { AccessKeyRecord, Principal } from '../domain/types.ts';
import { wrapAad } from '../format/wrapped.ts';
import type { IdentityRegistry, IdentitySource } from './identities.ts';
import { principalFromArn } from './principals.ts';

export interface ResolvedCredential {
  principal: Principal;
  secretAccessKey: string;
  sessionToken?: string;
  expiresAt?: Date;
}

const secretAad = (accessKeyId: string, principalArn: string) => wrapAad('trent:access-key-secret', accessKeyId, principalArn);

export class CredentialStore {
  readonly #store: Pick<KeyStore, 'getAccessKey' | 'putAccessKey' | 'listAccessKeys' | 'deleteAccessKey'>;
  readonly #keyring: RootKeyring;
  /** Unwrapped secrets by access key id, with the stored record they came from. */
  readonly #cache = new Map<string, { resolved: ResolvedCredential; rec: AccessKeyRecord }>();
  readonly #identities: IdentitySource | undefined;

  constructor(store: Pick<KeyStore, 'getAccessKey' | 'putAccessKey' | 'listAccessKeys' | 'deleteAccessKey'>, keyring: RootKeyring, identities?: IdentitySource) {
    this.#store = store;
    this.#keyring = keyring;
    this.#identities = identities;
  }

  /** `via`: write through this view of the store instead (a request's audited view). */
  async put(p: { accessKeyId: string; secretAccessKey: string; principalArn: string; now: number; sessionToken?: string; expiresAt?: number; sourceArn?: string }, via: Pick<KeyStore, 'putAccessKey'> = this.#store): Promise<void> {
    const principal = principalFromArn(p.principalArn);
    const rec: AccessKeyRecord = {
      accessKeyId: p.accessKeyId,
      principalArn: p.principalArn,
      accountId: principal.accountId,
      wrappedSecret: this.#keyring.wrap(Buffer.from(p.secretAccessKey, 'utf8'), secretAad(p.accessKeyId, p.principalArn)),
      createdAt: p.now,
      ...(p.sessionToken !== undefined ? { sessionToken: p.sessionToken } : {}),
      ...(p.expiresAt !== undefined ? { expiresAt: p.expiresAt } : {}),
      ...(p.sourceArn !== undefined ? { sourceArn: p.sourceArn } : {}),
    };
    await via.putAccessKey(rec);
    this.#cache.delete(p.accessKeyId);
  }

  async lookup(accessKeyId: string): Promise<ResolvedCredential | undefined> {
    // Keys declared in the identities file (re-read on SIGHUP) come first; they are never stored.
    const declared = this.#identities?.current.accessKey(accessKeyId);
    if (declared) return { principal: principalFromArn(declared.principal.arn, accessKeyId), secretAccessKey: declared.secret };
    const rec = await this.#store.getAccessKey(accessKeyId);
    if (!rec || !this.#exists(rec.principalArn) || (rec.sourceArn !== undefined && !this.#exists(rec.sourceArn))) {
      this.#cache.delete(accessKeyId);
      return undefined;
    }
    const hit = this.#cache.get(accessKeyId);
    // The same object while the record is unchanged: the signing-key cache knows it by identity.
    if (hit && sameRecord(hit.rec, rec)) return hit.resolved;
    const secret = Buffer.from(this.#keyring.unwrap(rec.wrappedSecret, secretAad(rec.accessKeyId, rec.principalArn))).toString('utf8');
    const resolved: ResolvedCredential = {
      principal: principalFromArn(rec.principalArn, rec.accessKeyId),
      secretAccessKey: secret,
      ...(rec.sessionToken !== undefined ? { sessionToken: rec.sessionToken } : {}),
      ...(rec.expiresAt !== undefined ? { expiresAt: new Date(rec.expiresAt) } : {}),
    };
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(accessKeyId, { resolved, rec });
    return resolved;
  }

  /**
   * Whether a session's role, or the principal that started it, is still declared (on this node):
   * a session lives only as long as both. Account roots always exist.
   */
  #exists(arn: string): boolean {
    if (!this.#identities) return true;
    const reg = this.#identities.current;
    const session = SESSION_ARN.exec(arn);
    if (session) return reg.roleByName(session[1]!, session[2]!) !== undefined;
    return ROOT_ARN.test(arn) || reg.principal(arn) !== undefined;
  }

  /** Stored access keys and sessions, a page at a time (never their secrets). */
  async list(after: string | undefined, limit: number): Promise<AccessKeyRecord[]> {
    return this.#store.listAccessKeys({ ...(after !== undefined ? { after } : {}), limit });
  }

  /** Deletes a stored access key or session; every node refuses it from its next request. */
  async revoke(accessKeyId: string, via: Pick<KeyStore, 'deleteAccessKey'> = this.#store): Promise<boolean> {
    const gone = await via.deleteAccessKey(accessKeyId);
    this.#cache.delete(accessKeyId);
    return gone;
  }

  /** Revokes every stored record `match` selects; returns their ids. */
  async revokeWhere(match: (rec: AccessKeyRecord) => boolean, via: Pick<KeyStore, 'deleteAccessKey'> = this.#store): Promise<string[]> {
    const ids: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.list(after, 500);
      for (const rec of page) if (match(rec)) ids.push(rec.accessKeyId);
      if (page.length < 500) break;
      after = page[page.length - 1]!.accessKeyId;
    }
    for (const id of ids) await this.revoke(id, via);
    return ids;
  }

  /**
   * After the identities file changed from `before` to `after`: revokes, in the store, every
   * session whose role or whose source principal `after` no longer declares.
   */
  async revokeRemoved(before: IdentityRegistry, after: IdentityRegistry, via?: Pick<KeyStore, 'deleteAccessKey'>): Promise<string[]> {
    const removed = before.all().filter((p) => after.principal(p.arn) === undefined);
    if (removed.length === 0) return [];
    const arns = new Set(removed.map((p) => p.arn));
    // Session ARNs name the role without its path.
    const roles = new Set(removed.filter((p) => /:role\//.test(p.arn) && !after.roleByName(p.accountId, p.arn.slice(p.arn.lastIndexOf('/') + 1))).map((p) => `${p.accountId}/${p.arn.slice(p.arn.lastIndexOf('/') + 1)}`));
    const gone = (arn: string | undefined): boolean => {
      if (arn === undefined) return false;
      const m = SESSION_ARN.exec(arn);
      return m ? roles.has(`${m[1]}/${m[2]}`) : arns.has(arn);
    };
    return this.revokeWhere((rec) => rec.sessionToken !== undefined && (gone(rec.principalArn) || gone(rec.sourceArn)), via);
  }
}

const ROOT_ARN = /^arn:aws[a-z-]*:iam::\d{12}:root$/;
const SESSION_ARN = /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/([^/]+)\/.+$/;

function sameRecord(a: AccessKeyRecord, b: AccessKeyRecord): boolean {
  return (
    a.principalArn === b.principalArn &&
    a.sessionToken === b.sessionToken &&
    a.expiresAt === b.expiresAt &&
    a.wrappedSecret.length === b.wrappedSecret.length &&
    Buffer.compare(Buffer.from(a.wrappedSecret.buffer, a.wrappedSecret.byteOffset, a.wrappedSecret.byteLength), Buffer.from(b.wrappedSecret.buffer, b.wrappedSecret.byteOffset, b.wrappedSecret.byteLength)) === 0
  );
}
