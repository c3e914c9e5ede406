/** Authentication at the edge: SigV4 verified against the caller's stored secret → Principal. */
import type { Clock } from '../domain/ports.ts';
import type { Principal } from '../domain/types.ts';
import type { Authenticated, Authenticator, RawRequest } from './authenticator.ts';
import type { CredentialStore } from './credential-store.ts';
import { SigningKeyCache, verifySigV4, type SecretRecord } from './sigv4.ts';

export class SigV4Authenticator implements Authenticator {
  readonly #creds: CredentialStore;
  readonly #clock: Clock;
  readonly #service: string;
  readonly #signingKeys = new SigningKeyCache();

  constructor(creds: CredentialStore, clock: Clock, service = 'kms') {
    this.#creds = creds;
    this.#clock = clock;
    this.#service = service;
  }

  async authenticate(req: RawRequest, region: string | ((region: string) => boolean), service = this.#service): Promise<Authenticated> {
    let principal: Principal | undefined;
    const verified = await verifySigV4(req, {
      now: this.#clock.now(),
      region,
      service,
      signingKeys: this.#signingKeys,
      lookup: async (accessKeyId): Promise<SecretRecord | undefined> => {
        const c = await this.#creds.lookup(accessKeyId);
        if (!c) return undefined;
        principal = c.principal;
        // The credential store's cached object itself: the signing-key cache knows it by identity.
        return c;
      },
    });
    if (!principal) throw new Error('signature verified without a principal');
    return { principal, region: verified.region };
  }
}
