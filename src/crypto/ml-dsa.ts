/**
 * ML-DSA (FIPS 204) for ML_DSA_44/65/87 keys, on @noble/post-quantum: Node.js 20's crypto has none.
 *
 * Stored material is the 32-byte seed ξ in the PKCS#8 "seed" form of RFC 9881 §6 —
 * OneAsymmetricKey { version 0, id-ml-dsa-NN, privateKey OCTET STRING { [0] IMPLICIT OCTET STRING (32) } },
 * 54 bytes — wrapped by the root keyring like any other material. Why the seed and not the expanded
 * key: FIPS 204 §3.6.3 lets ξ stand in for the private key; it is 32 bytes instead of 2,560–4,896;
 * the expanded private key and the public key are a function of it, so a stored seed cannot hold an
 * inconsistent pair (an expanded key can, and cannot be checked without the seed); RFC 9881
 * recommends the seed form and OpenSSL 3.5+ and Python's `cryptography` write exactly these bytes.
 * The price is one ML-DSA.KeyGen_internal per unwrapped material (a few ms), cached per material
 * buffer as node:crypto keys are.
 *
 * Public keys are a SubjectPublicKeyInfo with the NIST OID and absent parameters (RFC 9881 §4):
 * 1,334 / 1,974 / 2,614 bytes, what AWS's GetPublicKey returns for ML_DSA_44 (1,334, recorded).
 *
 * Signing is hedged ML-DSA.Sign with the empty context (FIPS 204 Alg. 2): "AWS KMS supports
 * asymmetric key signatures for messages up to 4 KB using the RAW message type. For larger
 * messages, you must externally compute the 64-byte message representation μ used in ML-DSA
 * signing as defined in NIST FIPS 204 section 6.2. … this signing is different from the
 * "pre-hash" ML-DSA or HashML-DSA" (KMS developer guide, "ML-DSA keys in AWS KMS"). EXTERNAL_MU
 * therefore signs the caller's μ = H(H(pk, 64) ‖ 0x00 ‖ 0x00 ‖ M, 64) as is, and a μ signature
 * verifies as a RAW signature over M.
 */
import { loadMlDsa, ML_DSA_MU_BYTES, mlDsaScheme, mlDsaSignRaw, mlDsaVerifyRaw } from './ml-dsa-ops.mjs';

export type MlDsaParameterSet = 44 | 65 | 87;

export interface MlDsaPublicKey {
  readonly kind: 'ml-dsa';
  readonly parameterSet: MlDsaParameterSet;
  /** pkEncode(ρ, t1): 1,312 / 1,952 / 2,592 bytes. */
  readonly publicKey: Uint8Array;
}

export interface MlDsaPrivateKey extends MlDsaPublicKey {
  /** skEncode(…), the expanded private key noble signs with; derived from the seed, never stored. */
  readonly secretKey: Uint8Array;
}

export const ML_DSA_SEED_BYTES = 32;
/** FIPS 204 §6.2: the message representative μ is 64 bytes. */
export { loadMlDsa, ML_DSA_MU_BYTES };

/** id-ml-dsa-44/65/87 ::= { joint-iso-itu-t(2) country(16) us(840) organization(1) gov(101) csor(3) nistAlgorithm(4) sigAlgs(3) 17/18/19 } */
const OID_ARC = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03];
const OID_LAST = { 44: 0x11, 65: 0x12, 87: 0x13 } as const;
const PARAMETER_SETS: readonly MlDsaParameterSet[] = [44, 65, 87];

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A DER TLV with a definite length (short form, or long form of one or two bytes: enough for 2,614). */
function tlv(tag: number, ...body: Uint8Array[]): Uint8Array {
  const content = concat(body);
  const n = content.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return concat([Uint8Array.of(tag, ...length), content]);
}

/** AlgorithmIdentifier { id-ml-dsa-NN } — "the parameters field MUST be absent" (RFC 9881 §2). */
const algorithmIdentifier = (set: MlDsaParameterSet) => tlv(0x30, tlv(0x06, Uint8Array.of(...OID_ARC, OID_LAST[set])));

/** Everything of the PKCS#8 seed form before the seed itself: fixed for a parameter set. */
const PKCS8_PREFIX: Readonly<Record<MlDsaParameterSet, Uint8Array>> = Object.freeze({
  44: pkcs8Prefix(44),
  65: pkcs8Prefix(65),
  87: pkcs8Prefix(87),
});

function pkcs8Prefix(set: MlDsaParameterSet): Uint8Array {
  const whole = mlDsaPkcs8Encode(set, new Uint8Array(ML_DSA_SEED_BYTES));
  return whole.subarray(0, whole.length - ML_DSA_SEED_BYTES);
}

function mlDsaPkcs8Encode(set: MlDsaParameterSet, seed: Uint8Array): Uint8Array {
  return tlv(0x30, Uint8Array.of(0x02, 0x01, 0x00), algorithmIdentifier(set), tlv(0x04, tlv(0x80, seed)));
}

/** The PKCS#8 (RFC 5958) seed-form private key for a 32-byte seed ξ (RFC 9881 §6). */
export function mlDsaPkcs8(set: MlDsaParameterSet, seed: Uint8Array): Uint8Array {
  if (seed.length !== ML_DSA_SEED_BYTES) throw new RangeError(`an ML-DSA seed is ${ML_DSA_SEED_BYTES} bytes, not ${seed.length}`);
  return mlDsaPkcs8Encode(set, seed);
}

/** The parameter set and seed of seed-form PKCS#8 material; undefined for anything else (other algorithms, other forms). */
export function parseMlDsaPkcs8(der: Uint8Array): { parameterSet: MlDsaParameterSet; seed: Uint8Array } | undefined {
  for (const set of PARAMETER_SETS) {
    const prefix = PKCS8_PREFIX[set];
    if (der.length === prefix.length + ML_DSA_SEED_BYTES && prefix.every((b, i) => der[i] === b)) {
      return { parameterSet: set, seed: der.subarray(prefix.length) };
    }
  }
  return undefined;
}

/** The DER SubjectPublicKeyInfo (RFC 5280, RFC 9881 §4) GetPublicKey returns. */
export function mlDsaSpki(key: MlDsaPublicKey): Uint8Array {
  return tlv(0x30, algorithmIdentifier(key.parameterSet), tlv(0x03, Uint8Array.of(0x00), key.publicKey));
}

/** ML-DSA.KeyGen_internal(ξ) (FIPS 204 Alg. 6): deterministic, so the seed is the whole private key. */
export function mlDsaKeyFromSeed(set: MlDsaParameterSet, seed: Uint8Array): MlDsaPrivateKey {
  if (seed.length !== ML_DSA_SEED_BYTES) throw new RangeError(`an ML-DSA seed is ${ML_DSA_SEED_BYTES} bytes, not ${seed.length}`);
  const { publicKey, secretKey } = mlDsaScheme(set).keygen(Uint8Array.from(seed));
  return { kind: 'ml-dsa', parameterSet: set, publicKey, secretKey };
}

const keys = new WeakMap<Uint8Array, MlDsaPrivateKey>();

/**
 * The key pair of ML-DSA material, or undefined when the material is not ML-DSA. Derived once per
 * unwrapped material buffer (the domain's material cache keeps the same buffer).
 */
export function mlDsaKeyOf(material: Uint8Array): MlDsaPrivateKey | undefined {
  const cached = keys.get(material);
  if (cached) return cached;
  const parsed = parseMlDsaPkcs8(material);
  if (!parsed) return undefined;
  const key = mlDsaKeyFromSeed(parsed.parameterSet, parsed.seed);
  keys.set(material, key);
  return key;
}

export function mlDsaPublicKeyOf(key: MlDsaPublicKey): MlDsaPublicKey {
  return { kind: 'ml-dsa', parameterSet: key.parameterSet, publicKey: key.publicKey };
}

/** ML-DSA.Sign, RAW or EXTERNAL_MU (ml-dsa-ops.mjs, which the signing thread runs too). */
export function mlDsaSign(key: MlDsaPrivateKey, message: Uint8Array, externalMu: boolean): Uint8Array {
  return mlDsaSignRaw(key.parameterSet, key.secretKey, message, externalMu);
}

/** False for a signature that does not verify, including one of the wrong length or encoding. */
export function mlDsaVerify(key: MlDsaPublicKey, message: Uint8Array, externalMu: boolean, signature: Uint8Array): boolean {
  return mlDsaVerifyRaw(key.parameterSet, key.publicKey, message, externalMu, signature);
}
