/**
 * Making and reading key material on node:crypto. Unwrapped material is raw bytes for AES and
 * HMAC keys and a PKCS#8 DER private key for asymmetric keys (what GenerateDataKeyPair returns
 * as PrivateKeyPlaintext, too); for ML-DSA, which Node.js 20 cannot parse, the PKCS#8 seed form
 * read by ml-dsa.ts. Generation runs on libuv's thread pool (`generateKeyPair`), so an RSA-4096
 * key does not stall the event loop; an ML-DSA key is 32 bytes from the Rng.
 */
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import type { KeyMaterialParams } from './key-specs.ts';
import { loadMlDsa, ML_DSA_SEED_BYTES, mlDsaKeyOf, mlDsaPkcs8, mlDsaPublicKeyOf, mlDsaSpki, parseMlDsaPkcs8, type MlDsaPrivateKey, type MlDsaPublicKey } from './ml-dsa.ts';
import type { Rng } from './rng.ts';

function derPair(type: 'rsa' | 'ec' | 'ed25519', options: Record<string, unknown>): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    // The overloads of generateKeyPair are keyed on literal types; the options are checked by the table.
    (generateKeyPair as unknown as (t: string, o: unknown, cb: (e: Error | null, pub: Buffer, priv: Buffer) => void) => void)(
      type,
      { ...options, publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'der' } },
      (err, _pub, priv) => (err ? reject(err) : resolve(new Uint8Array(priv.buffer, priv.byteOffset, priv.length))),
    );
  });
}

/** New material for a key of the given parameters. Throws for kinds this build cannot make (the table says which). */
export async function generateKeyMaterial(params: KeyMaterialParams, rng: Rng): Promise<Uint8Array> {
  switch (params.kind) {
    case 'aes':
    case 'hmac':
      return rng.bytes(params.bytes);
    case 'rsa':
      return derPair('rsa', { modulusLength: params.modulusBits, publicExponent: 0x10001 });
    case 'ec':
      return derPair('ec', { namedCurve: params.curve });
    case 'ed25519':
      return derPair('ed25519', {});
    case 'ml-dsa': {
      const seed = rng.bytes(ML_DSA_SEED_BYTES);
      try {
        return mlDsaPkcs8(params.parameterSet, seed);
      } finally {
        seed.fill(0);
      }
    }
    case 'sm2':
      throw new RangeError(`no generator for ${params.kind} key material`);
  }
}

/**
 * What must load before this material can be used, if anything: ML-DSA's implementation is loaded
 * on first need (ml-dsa-ops.mjs). Undefined when nothing is to wait for, so the hot path of
 * symmetric keys does not await.
 */
export function materialReady(material: Uint8Array): Promise<void> | undefined {
  return parseMlDsaPkcs8(material) ? loadMlDsa() : undefined;
}

const privateKeys = new WeakMap<Uint8Array, KeyObject>();

/**
 * The private KeyObject of PKCS#8 material. Parsed once per unwrapped material buffer (the
 * domain's material cache keeps the same buffer), so hot Sign paths do not re-parse DER.
 */
export function privateKeyOf(material: Uint8Array): KeyObject {
  let key = privateKeys.get(material);
  if (!key) {
    key = createPrivateKey({ key: Buffer.from(material.buffer, material.byteOffset, material.length), format: 'der', type: 'pkcs8' });
    privateKeys.set(material, key);
  }
  return key;
}

export function publicKeyOf(material: Uint8Array): KeyObject {
  return createPublicKey(privateKeyOf(material));
}

/** DER-encoded X.509 SubjectPublicKeyInfo (RFC 5280), as GetPublicKey returns it. */
export function publicKeyDer(material: Uint8Array): Uint8Array {
  const mlDsa = mlDsaKeyOf(material);
  if (mlDsa) return mlDsaSpki(mlDsa);
  const der = publicKeyOf(material).export({ type: 'spki', format: 'der' });
  return new Uint8Array(der.buffer, der.byteOffset, der.length);
}

/** What Sign uses: node:crypto's key for RSA, ECC and Ed25519 material, the ML-DSA key pair for ML-DSA material. */
export type SigningKey = KeyObject | MlDsaPrivateKey;
/** What Verify uses: the public half of the same. */
export type VerifyingKey = KeyObject | MlDsaPublicKey;

export function signingKeyOf(material: Uint8Array): SigningKey {
  return mlDsaKeyOf(material) ?? privateKeyOf(material);
}

export function verifyingKeyOf(material: Uint8Array): VerifyingKey {
  const mlDsa = mlDsaKeyOf(material);
  return mlDsa ? mlDsaPublicKeyOf(mlDsa) : publicKeyOf(material);
}
