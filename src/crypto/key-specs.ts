/**
 * Key specs and their algorithms live in one table (STYLE habit 5): each KeySpec lists its
 * usages, algorithms, sizes and the Node parameters that make its material; each algorithm its
 * hash, scheme and message types. A lookup with an unknown name (even `__proto__`) is a
 * ValidationException, never undefined.
 *
 * Sources: botocore's KMS model (enums), the KMS developer guide "Key spec reference"
 * (which usage each spec allows, which algorithms DescribeKey lists), and AWS-recorded responses.
 */
import { ValidationException } from '../shared/errors.ts';

export type KeySpec =
  | 'SYMMETRIC_DEFAULT' | 'RSA_2048' | 'RSA_3072' | 'RSA_4096'
  | 'ECC_NIST_P256' | 'ECC_NIST_P384' | 'ECC_NIST_P521' | 'ECC_SECG_P256K1' | 'ECC_NIST_EDWARDS25519'
  | 'HMAC_224' | 'HMAC_256' | 'HMAC_384' | 'HMAC_512'
  | 'ML_DSA_44' | 'ML_DSA_65' | 'ML_DSA_87' | 'SM2';
export type KeyUsage = 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC' | 'KEY_AGREEMENT';
export type EncryptionAlgorithm = 'SYMMETRIC_DEFAULT' | 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256' | 'SM2PKE';
export type SigningAlgorithm =
  | 'RSASSA_PSS_SHA_256' | 'RSASSA_PSS_SHA_384' | 'RSASSA_PSS_SHA_512'
  | 'RSASSA_PKCS1_V1_5_SHA_256' | 'RSASSA_PKCS1_V1_5_SHA_384' | 'RSASSA_PKCS1_V1_5_SHA_512'
  | 'ECDSA_SHA_256' | 'ECDSA_SHA_384' | 'ECDSA_SHA_512' | 'SM2DSA' | 'ML_DSA_SHAKE_256' | 'ED25519_SHA_512' | 'ED25519_PH_SHA_512';
export type MacAlgorithm = 'HMAC_SHA_224' | 'HMAC_SHA_256' | 'HMAC_SHA_384' | 'HMAC_SHA_512';
export type KeyAgreementAlgorithm = 'ECDH';
export type MessageType = 'RAW' | 'DIGEST' | 'EXTERNAL_MU';
export type DataKeyPairSpec = 'RSA_2048' | 'RSA_3072' | 'RSA_4096' | 'ECC_NIST_P256' | 'ECC_NIST_P384' | 'ECC_NIST_P521' | 'ECC_SECG_P256K1' | 'SM2' | 'ECC_NIST_EDWARDS25519';

export const KEY_SPECS = [
  'SYMMETRIC_DEFAULT', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521',
  'ECC_SECG_P256K1', 'ECC_NIST_EDWARDS25519', 'HMAC_224', 'HMAC_256', 'HMAC_384', 'HMAC_512', 'ML_DSA_44', 'ML_DSA_65', 'ML_DSA_87', 'SM2',
] as const satisfies readonly KeySpec[];
export const KEY_USAGES = ['SIGN_VERIFY', 'ENCRYPT_DECRYPT', 'GENERATE_VERIFY_MAC', 'KEY_AGREEMENT'] as const satisfies readonly KeyUsage[];
export const ENCRYPTION_ALGORITHMS = ['SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2PKE'] as const satisfies readonly EncryptionAlgorithm[];
/** Model order. */
export const SIGNING_ALGORITHMS = [
  'RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512', 'RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512', 'ECDSA_SHA_256', 'ECDSA_SHA_384', 'ECDSA_SHA_512', 'SM2DSA', 'ML_DSA_SHAKE_256', 'ED25519_SHA_512', 'ED25519_PH_SHA_512',
] as const satisfies readonly SigningAlgorithm[];
/** The order AWS prints in its enum ValidationException for `macAlgorithm` (recorded). */
export const MAC_ALGORITHMS = ['HMAC_SHA_384', 'HMAC_SHA_256', 'HMAC_SHA_224', 'HMAC_SHA_512'] as const satisfies readonly MacAlgorithm[];
export const KEY_AGREEMENT_ALGORITHMS = ['ECDH'] as const satisfies readonly KeyAgreementAlgorithm[];
export const MESSAGE_TYPES = ['RAW', 'DIGEST', 'EXTERNAL_MU'] as const satisfies readonly MessageType[];
export const DATA_KEY_PAIR_SPECS = [
  'RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1', 'SM2', 'ECC_NIST_EDWARDS25519',
] as const satisfies readonly DataKeyPairSpec[];

export type HashName = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
/** OpenSSL / Node curve names. */
export type EcCurve = 'prime256v1' | 'secp384r1' | 'secp521r1' | 'secp256k1';

/**
 * How a key's material is made and stored (unwrapped form): raw bytes, or a PKCS#8 DER private key
 * (for ML-DSA the RFC 9881 seed form, see ml-dsa.ts).
 */
export type KeyMaterialParams =
  | { readonly kind: 'aes'; readonly bytes: number }
  | { readonly kind: 'hmac'; readonly bytes: number }
  | { readonly kind: 'rsa'; readonly modulusBits: number }
  | { readonly kind: 'ec'; readonly curve: EcCurve }
  | { readonly kind: 'ed25519' }
  | { readonly kind: 'ml-dsa'; readonly parameterSet: 44 | 65 | 87 }
  | { readonly kind: 'sm2' };

export interface KeySpecInfo {
  readonly spec: KeySpec;
  readonly usages: readonly KeyUsage[];
  readonly material: KeyMaterialParams;
  /** Implemented by this build of Trent. */
  readonly supported: boolean;
  /** Why not, when `supported` is false (the UnsupportedOperationException text). */
  readonly unsupportedReason?: string;
  /** What DescribeKey lists for a key of this spec with usage ENCRYPT_DECRYPT, SIGN_VERIFY, … */
  readonly encryptionAlgorithms: readonly EncryptionAlgorithm[];
  readonly signingAlgorithms: readonly SigningAlgorithm[];
  readonly macAlgorithms: readonly MacAlgorithm[];
  readonly keyAgreementAlgorithms: readonly KeyAgreementAlgorithm[];
}

const NO_SM2 = 'is not supported by Trent: SM2 keys exist only in AWS China Regions.';

const none = { encryptionAlgorithms: [], signingAlgorithms: [], macAlgorithms: [], keyAgreementAlgorithms: [] } as const;
const RSA_SIGNING: readonly SigningAlgorithm[] = [
  'RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512', 'RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512',
];
const rsa = (spec: KeySpec, modulusBits: number): KeySpecInfo => ({
  ...none, spec, usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'], material: { kind: 'rsa', modulusBits }, supported: true,
  encryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'], signingAlgorithms: RSA_SIGNING,
});
// "ECC_NIST_P256 … ECC_NIST_P521: SIGN_VERIFY or KEY_AGREEMENT; ECC_SECG_P256K1: SIGN_VERIFY" (key spec reference).
const ecc = (spec: KeySpec, curve: EcCurve, algorithm: SigningAlgorithm, agreement: boolean): KeySpecInfo => ({
  ...none, spec, usages: agreement ? ['SIGN_VERIFY', 'KEY_AGREEMENT'] : ['SIGN_VERIFY'], material: { kind: 'ec', curve }, supported: true,
  signingAlgorithms: [algorithm], keyAgreementAlgorithms: agreement ? ['ECDH'] : [],
});
const hmac = (spec: KeySpec, bits: number, algorithm: MacAlgorithm): KeySpecInfo => ({
  ...none, spec, usages: ['GENERATE_VERIFY_MAC'], material: { kind: 'hmac', bytes: bits / 8 }, supported: true, macAlgorithms: [algorithm],
});
// "ML-DSA → SIGN_VERIFY" only; Node.js 20 has no ML-DSA, so ml-dsa.ts uses @noble/post-quantum.
const mlDsa = (spec: KeySpec, parameterSet: 44 | 65 | 87): KeySpecInfo => ({
  ...none, spec, usages: ['SIGN_VERIFY'], material: { kind: 'ml-dsa', parameterSet }, supported: true, signingAlgorithms: ['ML_DSA_SHAKE_256'],
});

const TABLE: Readonly<Record<KeySpec, KeySpecInfo>> = Object.freeze({
  SYMMETRIC_DEFAULT: { ...none, spec: 'SYMMETRIC_DEFAULT', usages: ['ENCRYPT_DECRYPT'], material: { kind: 'aes', bytes: 32 }, supported: true, encryptionAlgorithms: ['SYMMETRIC_DEFAULT'] },
  RSA_2048: rsa('RSA_2048', 2048),
  RSA_3072: rsa('RSA_3072', 3072),
  RSA_4096: rsa('RSA_4096', 4096),
  ECC_NIST_P256: ecc('ECC_NIST_P256', 'prime256v1', 'ECDSA_SHA_256', true),
  ECC_NIST_P384: ecc('ECC_NIST_P384', 'secp384r1', 'ECDSA_SHA_384', true),
  ECC_NIST_P521: ecc('ECC_NIST_P521', 'secp521r1', 'ECDSA_SHA_512', true),
  ECC_SECG_P256K1: ecc('ECC_SECG_P256K1', 'secp256k1', 'ECDSA_SHA_256', false),
  // "ECC_NIST_EDWARDS25519 (ed25519) - signing and verification only" (CreateKey reference).
  ECC_NIST_EDWARDS25519: { ...none, spec: 'ECC_NIST_EDWARDS25519', usages: ['SIGN_VERIFY'], material: { kind: 'ed25519' }, supported: true, signingAlgorithms: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'] },
  HMAC_224: hmac('HMAC_224', 224, 'HMAC_SHA_224'),
  HMAC_256: hmac('HMAC_256', 256, 'HMAC_SHA_256'),
  HMAC_384: hmac('HMAC_384', 384, 'HMAC_SHA_384'),
  HMAC_512: hmac('HMAC_512', 512, 'HMAC_SHA_512'),
  ML_DSA_44: mlDsa('ML_DSA_44', 44),
  ML_DSA_65: mlDsa('ML_DSA_65', 65),
  ML_DSA_87: mlDsa('ML_DSA_87', 87),
  SM2: {
    ...none, spec: 'SM2', usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'KEY_AGREEMENT'], material: { kind: 'sm2' }, supported: false, unsupportedReason: `KeySpec SM2 ${NO_SM2}`,
    encryptionAlgorithms: ['SM2PKE'], signingAlgorithms: ['SM2DSA'], keyAgreementAlgorithms: ['ECDH'],
  },
});

export type SigningScheme = 'rsa-pss' | 'rsa-pkcs1' | 'ecdsa' | 'ed25519' | 'ed25519ph' | 'ml-dsa' | 'sm2';

export interface SigningAlgorithmInfo {
  readonly name: SigningAlgorithm;
  readonly scheme: SigningScheme;
  /** The hash the algorithm applies to a RAW message; a DIGEST message must be `digestLength` bytes. */
  readonly hash: HashName | 'shake256' | 'sm3';
  readonly digestLength: number;
  /** "ED25519_SHA_512 … requires MessageType:RAW, while ED25519_PH_SHA_512 requires MessageType:DIGEST" (Sign reference). */
  readonly messageTypes: readonly MessageType[];
  readonly unsupportedReason?: string;
}

const sig = (name: SigningAlgorithm, scheme: SigningScheme, hash: SigningAlgorithmInfo['hash'], digestLength: number, messageTypes: readonly MessageType[], unsupportedReason?: string): SigningAlgorithmInfo =>
  ({ name, scheme, hash, digestLength, messageTypes, ...(unsupportedReason ? { unsupportedReason } : {}) });
const RAW_OR_DIGEST: readonly MessageType[] = ['RAW', 'DIGEST'];

const SIGNING: Readonly<Record<SigningAlgorithm, SigningAlgorithmInfo>> = Object.freeze({
  RSASSA_PSS_SHA_256: sig('RSASSA_PSS_SHA_256', 'rsa-pss', 'sha256', 32, RAW_OR_DIGEST),
  RSASSA_PSS_SHA_384: sig('RSASSA_PSS_SHA_384', 'rsa-pss', 'sha384', 48, RAW_OR_DIGEST),
  RSASSA_PSS_SHA_512: sig('RSASSA_PSS_SHA_512', 'rsa-pss', 'sha512', 64, RAW_OR_DIGEST),
  RSASSA_PKCS1_V1_5_SHA_256: sig('RSASSA_PKCS1_V1_5_SHA_256', 'rsa-pkcs1', 'sha256', 32, RAW_OR_DIGEST),
  RSASSA_PKCS1_V1_5_SHA_384: sig('RSASSA_PKCS1_V1_5_SHA_384', 'rsa-pkcs1', 'sha384', 48, RAW_OR_DIGEST),
  RSASSA_PKCS1_V1_5_SHA_512: sig('RSASSA_PKCS1_V1_5_SHA_512', 'rsa-pkcs1', 'sha512', 64, RAW_OR_DIGEST),
  ECDSA_SHA_256: sig('ECDSA_SHA_256', 'ecdsa', 'sha256', 32, RAW_OR_DIGEST),
  ECDSA_SHA_384: sig('ECDSA_SHA_384', 'ecdsa', 'sha384', 48, RAW_OR_DIGEST),
  ECDSA_SHA_512: sig('ECDSA_SHA_512', 'ecdsa', 'sha512', 64, RAW_OR_DIGEST),
  SM2DSA: sig('SM2DSA', 'sm2', 'sm3', 32, RAW_OR_DIGEST, `Signing algorithm SM2DSA ${NO_SM2}`),
  // "When the value of MessageType is EXTERNAL_MU the length of the Message value must be 64 bytes."
  ML_DSA_SHAKE_256: sig('ML_DSA_SHAKE_256', 'ml-dsa', 'shake256', 64, ['RAW', 'EXTERNAL_MU']),
  ED25519_SHA_512: sig('ED25519_SHA_512', 'ed25519', 'sha512', 64, ['RAW']),
  // DIGEST only, and KMS still prehashes the 64-byte digest: Ed25519ph over SHA-512(Message) (ed25519ph.ts).
  ED25519_PH_SHA_512: sig('ED25519_PH_SHA_512', 'ed25519ph', 'sha512', 64, ['DIGEST']),
});

export interface EncryptionAlgorithmInfo {
  readonly name: EncryptionAlgorithm;
  readonly kind: 'symmetric' | 'rsa-oaep' | 'sm2';
  /** RSAES-OAEP: the OAEP and MGF1 hash and its output length. */
  readonly oaepHash?: HashName;
  readonly hashLength?: number;
}

const ENCRYPTION: Readonly<Record<EncryptionAlgorithm, EncryptionAlgorithmInfo>> = Object.freeze({
  SYMMETRIC_DEFAULT: { name: 'SYMMETRIC_DEFAULT', kind: 'symmetric' },
  RSAES_OAEP_SHA_1: { name: 'RSAES_OAEP_SHA_1', kind: 'rsa-oaep', oaepHash: 'sha1', hashLength: 20 },
  RSAES_OAEP_SHA_256: { name: 'RSAES_OAEP_SHA_256', kind: 'rsa-oaep', oaepHash: 'sha256', hashLength: 32 },
  SM2PKE: { name: 'SM2PKE', kind: 'sm2' },
});

export interface MacAlgorithmInfo {
  readonly name: MacAlgorithm;
  readonly hash: HashName;
  readonly macLength: number;
}

const MAC: Readonly<Record<MacAlgorithm, MacAlgorithmInfo>> = Object.freeze({
  HMAC_SHA_224: { name: 'HMAC_SHA_224', hash: 'sha224', macLength: 28 },
  HMAC_SHA_256: { name: 'HMAC_SHA_256', hash: 'sha256', macLength: 32 },
  HMAC_SHA_384: { name: 'HMAC_SHA_384', hash: 'sha384', macLength: 48 },
  HMAC_SHA_512: { name: 'HMAC_SHA_512', hash: 'sha512', macLength: 64 },
});

function lookup<K extends string, V>(table: Readonly<Record<K, V>>, name: string, member: string, values: readonly string[]): V {
  if (!Object.prototype.hasOwnProperty.call(table, name)) {
    throw new ValidationException(`1 validation error detected: Value '${name}' at '${member}' failed to satisfy constraint: Member must satisfy enum value set: [${values.join(', ')}]`);
  }
  return table[name as K];
}

export function keySpecInfo(spec: string): KeySpecInfo {
  return lookup(TABLE, spec, 'keySpec', KEY_SPECS);
}

export function signingAlgorithmInfo(name: string): SigningAlgorithmInfo {
  return lookup(SIGNING, name, 'signingAlgorithm', SIGNING_ALGORITHMS);
}

export function encryptionAlgorithmInfo(name: string): EncryptionAlgorithmInfo {
  return lookup(ENCRYPTION, name, 'encryptionAlgorithm', ENCRYPTION_ALGORITHMS);
}

export function macAlgorithmInfo(name: string): MacAlgorithmInfo {
  return lookup(MAC, name, 'macAlgorithm', MAC_ALGORITHMS);
}

/** RSAES-OAEP can encrypt at most k − 2·hLen − 2 bytes (RFC 8017 §7.1.1): 214/190 B for RSA_2048, … */
export function rsaMaxPlaintext(spec: KeySpecInfo, algorithm: EncryptionAlgorithmInfo): number {
  if (spec.material.kind !== 'rsa' || algorithm.kind !== 'rsa-oaep' || algorithm.hashLength === undefined) return 0;
  return spec.material.modulusBits / 8 - 2 * algorithm.hashLength - 2;
}

/** Asymmetric specs keep a PKCS#8 private key as material and have a public key. */
export function isAsymmetric(spec: KeySpecInfo): boolean {
  return spec.material.kind !== 'aes' && spec.material.kind !== 'hmac';
}
