/**
 * Ed25519ph (RFC 8032 §5.1: HashEdDSA with PH = SHA-512, flag F = 1, empty context) for
 * ED25519_PH_SHA_512, on @noble/curves: node:crypto in Node.js 20 signs PureEdDSA only. The key is
 * the ECC_NIST_EDWARDS25519 key's own node:crypto KeyObject; only its raw 32-byte halves go to noble.
 *
 * What KMS signs, quoting the Sign API reference (MessageType): "When you specify the
 * ED25519_PH_SHA_512 signing algorithm with MessageType:DIGEST, KMS still performs the SHA-512
 * prehash described in Step 1 of Section 7.8.1 in FIPS 186-5. This means the input is hashed twice:
 * once by you and once by KMS." So the 64-byte Message is HashEdDSA's message M and the signature
 * covers PH(M) = SHA-512(Message): a standard Ed25519ph verifier checks it against the Message bytes,
 * not against the data the caller hashed to make them.
 */
import type { KeyObject } from 'node:crypto';

type Ed25519ph = (typeof import('@noble/curves/ed25519.js'))['ed25519ph'];
let lib: Ed25519ph | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads @noble/curves on first need, not with Trent (its modules take ~20 ms to load); Ed25519ph
 * signing and verification need this to have resolved once.
 */
export function loadEd25519ph(): Promise<void> {
  loading ??= import('@noble/curves/ed25519.js').then((m) => {
    lib = m.ed25519ph;
  });
  return loading;
}

function ed25519ph(): Ed25519ph {
  if (lib === undefined) throw new Error('Ed25519ph used before loadEd25519ph() resolved');
  return lib;
}

function rawHalf(key: KeyObject, half: 'd' | 'x'): Uint8Array {
  const jwk = key.export({ format: 'jwk' });
  const value = jwk[half];
  if (jwk.crv !== 'Ed25519' || typeof value !== 'string') throw new RangeError(`not an Ed25519 ${half === 'd' ? 'private' : 'public'} key`);
  return new Uint8Array(Buffer.from(value, 'base64url'));
}

/** The 32-byte private seed, in a buffer of its own (for a signing worker, which zeroes it). */
export function ed25519phSeed(privateKey: KeyObject): Uint8Array {
  return rawHalf(privateKey, 'd');
}

/** Ed25519ph(M = input): a 64-byte R ‖ S, deterministic like all EdDSA. */
export function ed25519phSign(privateKey: KeyObject, input: Uint8Array): Uint8Array {
  const seed = rawHalf(privateKey, 'd');
  try {
    return ed25519ph().sign(input, seed);
  } finally {
    seed.fill(0);
  }
}

/**
 * Strict RFC 8032 / FIPS 186-5 verification (`zip215: false`: canonical encodings only, as
 * OpenSSL checks ED25519_SHA_512 signatures). False for a malformed signature.
 */
export function ed25519phVerify(publicKey: KeyObject, input: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  const lib = ed25519ph(); // outside the try: not loaded is a programming error, not a bad signature
  try {
    return lib.verify(signature, input, rawHalf(publicKey, 'x'), { zip215: false });
  } catch {
    return false;
  }
}
