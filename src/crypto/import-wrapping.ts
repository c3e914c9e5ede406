/**
 * The wrapping of imported key material (GetParametersForImport / ImportKeyMaterial): RSA
 * wrapping key pairs, and unwrapping what a client encrypted under their public half.
 *
 * - RSAES_OAEP_SHA_1 / _256: the material is RSAES-OAEP encrypted directly, MGF1 over the same hash
 *   (what `openssl pkeyutl -encrypt -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256
 *   -pkeyopt rsa_mgf1_md:sha256` writes).
 * - RSA_AES_KEY_WRAP_SHA_1 / _256 (PKCS#11 CKM_RSA_AES_KEY_WRAP): "For RSA_AES wrapping
 *   algorithms, you encrypt your key material with an AES key that you generate, then encrypt your
 *   AES key with the RSA public key from KMS" (GetParametersForImport reference): the blob is the
 *   RSAES-OAEP encryption of a 256-bit AES key (modulus-length bytes) followed by the material
 *   wrapped with AES Key Wrap with Padding (RFC 5649; `openssl enc -id-aes256-wrap-pad -iv A65959A6`).
 * - RSAES_PKCS1_V1_5: "As of October 10, 2023, KMS does not support the RSAES_PKCS1_V1_5 wrapping
 *   algorithm" (same page); SM2PKE and the SM2 wrapping key exist only in China Regions.
 *
 * Pure apart from key generation, which runs on libuv's thread pool.
 */
import { constants, createDecipheriv, createPrivateKey, generateKeyPair, privateDecrypt, type KeyObject } from 'node:crypto';
import { ValidationException } from '../shared/errors.ts';

export type WrappingAlgorithm = 'RSAES_PKCS1_V1_5' | 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256' | 'RSA_AES_KEY_WRAP_SHA_1' | 'RSA_AES_KEY_WRAP_SHA_256' | 'SM2PKE';
export type WrappingKeySpec = 'RSA_2048' | 'RSA_3072' | 'RSA_4096' | 'SM2';

/** Model order (botocore `AlgorithmSpec`, `WrappingKeySpec`). */
export const WRAPPING_ALGORITHMS = ['RSAES_PKCS1_V1_5', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256', 'SM2PKE'] as const satisfies readonly WrappingAlgorithm[];
export const WRAPPING_KEY_SPECS = ['RSA_2048', 'RSA_3072', 'RSA_4096', 'SM2'] as const satisfies readonly WrappingKeySpec[];

export interface WrappingAlgorithmInfo {
  readonly name: WrappingAlgorithm;
  /** One byte naming the algorithm inside an import token (format/import-token.ts). */
  readonly code: number;
  readonly kind: 'rsa-oaep' | 'rsa-aes-key-wrap' | 'unsupported';
  readonly hash?: 'sha1' | 'sha256';
  readonly unsupportedReason?: string;
}

export interface WrappingKeySpecInfo {
  readonly name: WrappingKeySpec;
  readonly code: number;
  readonly modulusBits?: number;
  readonly unsupportedReason?: string;
}

const ALGORITHMS: Readonly<Record<WrappingAlgorithm, WrappingAlgorithmInfo>> = Object.freeze({
  RSAES_PKCS1_V1_5: { name: 'RSAES_PKCS1_V1_5', code: 1, kind: 'unsupported', unsupportedReason: 'The RSAES_PKCS1_V1_5 wrapping algorithm is not supported. As of October 10, 2023, KMS does not support it; use RSAES_OAEP_SHA_256 or RSA_AES_KEY_WRAP_SHA_256.' },
  RSAES_OAEP_SHA_1: { name: 'RSAES_OAEP_SHA_1', code: 2, kind: 'rsa-oaep', hash: 'sha1' },
  RSAES_OAEP_SHA_256: { name: 'RSAES_OAEP_SHA_256', code: 3, kind: 'rsa-oaep', hash: 'sha256' },
  RSA_AES_KEY_WRAP_SHA_1: { name: 'RSA_AES_KEY_WRAP_SHA_1', code: 4, kind: 'rsa-aes-key-wrap', hash: 'sha1' },
  RSA_AES_KEY_WRAP_SHA_256: { name: 'RSA_AES_KEY_WRAP_SHA_256', code: 5, kind: 'rsa-aes-key-wrap', hash: 'sha256' },
  SM2PKE: { name: 'SM2PKE', code: 6, kind: 'unsupported', unsupportedReason: 'The SM2PKE wrapping algorithm is supported only in China Regions.' },
});

const KEY_SPECS: Readonly<Record<WrappingKeySpec, WrappingKeySpecInfo>> = Object.freeze({
  RSA_2048: { name: 'RSA_2048', code: 1, modulusBits: 2048 },
  RSA_3072: { name: 'RSA_3072', code: 2, modulusBits: 3072 },
  RSA_4096: { name: 'RSA_4096', code: 3, modulusBits: 4096 },
  SM2: { name: 'SM2', code: 4, unsupportedReason: 'The SM2 wrapping key spec is supported only in China Regions.' },
});

function lookup<K extends string, V>(table: Readonly<Record<K, V>>, name: string, member: string, values: readonly string[]): V {
  if (!Object.prototype.hasOwnProperty.call(table, name)) {
    throw new ValidationException(`1 validation error detected: Value '${name}' at '${member}' failed to satisfy constraint: Member must satisfy enum value set: [${values.join(', ')}]`);
  }
  return table[name as K];
}

export function wrappingAlgorithmInfo(name: string): WrappingAlgorithmInfo {
  return lookup(ALGORITHMS, name, 'wrappingAlgorithm', WRAPPING_ALGORITHMS);
}

export function wrappingKeySpecInfo(name: string): WrappingKeySpecInfo {
  return lookup(KEY_SPECS, name, 'wrappingKeySpec', WRAPPING_KEY_SPECS);
}

export function wrappingAlgorithmByCode(code: number): WrappingAlgorithmInfo | undefined {
  return Object.values(ALGORITHMS).find((a) => a.code === code);
}

export function wrappingKeySpecByCode(code: number): WrappingKeySpecInfo | undefined {
  return Object.values(KEY_SPECS).find((s) => s.code === code);
}

/** A fresh RSA wrapping key pair: SubjectPublicKeyInfo (what GetParametersForImport returns) and PKCS#8, both DER. */
export function generateWrappingKeyPair(modulusBits: number): Promise<{ publicKeyDer: Uint8Array; privateKeyDer: Uint8Array }> {
  return new Promise((resolve, reject) => {
    generateKeyPair(
      'rsa',
      { modulusLength: modulusBits, publicExponent: 0x10001, publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'der' } },
      (err, pub, priv) => (err ? reject(err) : resolve({ publicKeyDer: new Uint8Array(pub), privateKeyDer: new Uint8Array(priv) })),
    );
  });
}

/** RFC 5649 §3: the alternative initial value that AES Key Wrap with Padding starts from. */
const KWP_IV = Buffer.from('a65959a6', 'hex');

function oaepOpen(key: KeyObject, hash: 'sha1' | 'sha256', data: Uint8Array): Buffer | undefined {
  try {
    return privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, data);
  } catch {
    return undefined;
  }
}

function kwpOpen(aesKey: Uint8Array, wrapped: Uint8Array): Buffer | undefined {
  if (aesKey.length !== 32 || wrapped.length < 16 || wrapped.length % 8 !== 0) return undefined;
  try {
    const d = createDecipheriv('id-aes256-wrap-pad', aesKey, KWP_IV);
    return Buffer.concat([d.update(wrapped), d.final()]);
  } catch {
    return undefined;
  }
}

/**
 * The key material inside `encrypted`, or undefined when it was not made with this wrapping key
 * pair and algorithm (the caller answers InvalidCiphertextException: "KMS could not decrypt the
 * encrypted (wrapped) key material").
 */
export function unwrapKeyMaterial(privateKeyDer: Uint8Array, algorithm: WrappingAlgorithmInfo, encrypted: Uint8Array): Uint8Array | undefined {
  if (algorithm.hash === undefined) return undefined;
  const key = createPrivateKey({ key: Buffer.from(privateKeyDer), format: 'der', type: 'pkcs8' });
  const k = (key.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
  if (algorithm.kind === 'rsa-oaep') {
    const m = oaepOpen(key, algorithm.hash, encrypted);
    return m && m.length > 0 ? new Uint8Array(m) : undefined;
  }
  if (encrypted.length <= k) return undefined;
  const aesKey = oaepOpen(key, algorithm.hash, encrypted.subarray(0, k));
  if (!aesKey) return undefined;
  try {
    const m = kwpOpen(aesKey, encrypted.subarray(k));
    return m && m.length > 0 ? new Uint8Array(m) : undefined;
  } finally {
    aesKey.fill(0);
  }
}
