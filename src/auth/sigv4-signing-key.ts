/**
 * The SigV4 signing key and a bounded cache of them.
 * "kSecret = your secret access key; kDate = hash("AWS4" + kSecret, Date); kRegion = hash(kDate,
 * Region); kService = hash(kRegion, Service); kSigning = hash(kService, "aws4_request")"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html).
 */
import { createHmac, hash } from 'node:crypto';
import { TERMINATOR } from './sigv4-canonical.ts';

const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

export function deriveSigningKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), TERMINATOR);
}

/**
 * A derived key is good for one (secret, day, region, service), so a busy caller derives four
 * HMACs once a day instead of on every request. Least-recently-used entries go first once the
 * cache holds `maxEntries`. Entries are keyed by a digest of the secret, never the secret itself.
 */
export class SigningKeyCache {
  readonly #max: number;
  readonly #entries = new Map<string, Buffer>();
  /** The last key handed out per credential object: a caller's cached credential finds it without hashing its secret. */
  #byCredential = new WeakMap<object, { scope: string; key: Buffer }>();

  constructor(maxEntries = 1024) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('SigningKeyCache needs at least one entry');
    this.#max = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The signing key; callers must not modify the returned bytes. */
  get(secretAccessKey: string, date: string, region: string, service: string): Buffer {
    const id = `${hash('sha256', secretAccessKey, 'base64')}/${date}/${region}/${service}`;
    const hit = this.#entries.get(id);
    if (hit) {
      this.#entries.delete(id);
      this.#entries.set(id, hit);
      return hit;
    }
    const key = deriveSigningKey(secretAccessKey, date, region, service);
    this.#entries.set(id, key);
    if (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value!);
    return key;
  }

  /**
   * As `get`, for a credential object the caller keeps between requests (its cached credential):
   * the key for the same scope comes back by object identity, without digesting the secret.
   */
  getFor(credential: { readonly secretAccessKey: string }, date: string, region: string, service: string): Buffer {
    const scope = `${date}/${region}/${service}`;
    const last = this.#byCredential.get(credential);
    if (last !== undefined && last.scope === scope) return last.key;
    const key = this.get(credential.secretAccessKey, date, region, service);
    this.#byCredential.set(credential, { scope, key });
    return key;
  }

  clear(): void {
    this.#entries.clear();
    this.#byCredential = new WeakMap();
  }
}
