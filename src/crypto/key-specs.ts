/**
 * Key specs and their algorithms live in one table. A lookup with an unknown name
 * (even `__proto__`) is a ValidationException, never undefined.
 */
import { ValidationException } from '../shared/errors.ts';

export type KeySpec =
  | 'SYMMETRIC_DEFAULT' | 'RSA_2048' | 'RSA_3072' | 'RSA_4096'
  | 'ECC_NIST_P256' | 'ECC_NIST_P384' | 'ECC_NIST_P521' | 'ECC_SECG_P256K1' | 'ECC_NIST_EDWARDS25519'
  | 'HMAC_224' | 'HMAC_256' | 'HMAC_384' | 'HMAC_512'
  | 'ML_DSA_44' | 'ML_DSA_65' | 'ML_DSA_87' | 'SM2';
export type KeyUsage = 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC' | 'KEY_AGREEMENT';
export type EncryptionAlgorithm = 'SYMMETRIC_DEFAULT' | 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256' | 'SM2PKE';

export const KEY_SPECS = [
  'SYMMETRIC_DEFAULT', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521',
  'ECC_SECG_P256K1', 'ECC_NIST_EDWARDS25519', 'HMAC_224', 'HMAC_256', 'HMAC_384', 'HMAC_512', 'ML_DSA_44', 'ML_DSA_65', 'ML_DSA_87', 'SM2',
] as const satisfies readonly KeySpec[];
export const KEY_USAGES = ['SIGN_VERIFY', 'ENCRYPT_DECRYPT', 'GENERATE_VERIFY_MAC', 'KEY_AGREEMENT'] as const satisfies readonly KeyUsage[];
export const ENCRYPTION_ALGORITHMS = ['SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2PKE'] as const satisfies readonly EncryptionAlgorithm[];

export interface KeySpecInfo {
  readonly spec: KeySpec;
  readonly usages: readonly KeyUsage[];
  /** Implemented by this build of Trent. */
  readonly supported: boolean;
  readonly encryptionAlgorithms: readonly EncryptionAlgorithm[];
}

const TABLE: Readonly<Record<KeySpec, KeySpecInfo>> = Object.freeze({
  SYMMETRIC_DEFAULT: { spec: 'SYMMETRIC_DEFAULT', usages: ['ENCRYPT_DECRYPT'], supported: true, encryptionAlgorithms: ['SYMMETRIC_DEFAULT'] },
  RSA_2048: { spec: 'RSA_2048', usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'], supported: false, encryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] },
  RSA_3072: { spec: 'RSA_3072', usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'], supported: false, encryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] },
  RSA_4096: { spec: 'RSA_4096', usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'], supported: false, encryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] },
  ECC_NIST_P256: { spec: 'ECC_NIST_P256', usages: ['SIGN_VERIFY', 'KEY_AGREEMENT'], supported: false, encryptionAlgorithms: [] },
  ECC_NIST_P384: { spec: 'ECC_NIST_P384', usages: ['SIGN_VERIFY', 'KEY_AGREEMENT'], supported: false, encryptionAlgorithms: [] },
  ECC_NIST_P521: { spec: 'ECC_NIST_P521', usages: ['SIGN_VERIFY', 'KEY_AGREEMENT'], supported: false, encryptionAlgorithms: [] },
  ECC_SECG_P256K1: { spec: 'ECC_SECG_P256K1', usages: ['SIGN_VERIFY'], supported: false, encryptionAlgorithms: [] },
  ECC_NIST_EDWARDS25519: { spec: 'ECC_NIST_EDWARDS25519', usages: ['SIGN_VERIFY'], supported: false, encryptionAlgorithms: [] },
  HMAC_224: { spec: 'HMAC_224', usages: ['GENERATE_VERIFY_MAC'], supported: false, encryptionAlgorithms: [] },
  HMAC_256: { spec: 'HMAC_256', usages: ['GENERATE_VERIFY_MAC'], supported: false, encryptionAlgorithms: [] },
  HMAC_384: { spec: 'HMAC_384', usages: ['GENERATE_VERIFY_MAC'], supported: false, encryptionAlgorithms: [] },
  HMAC_512: { spec: 'HMAC_512', usages: ['GENERATE_VERIFY_MAC'], supported: false, encryptionAlgorithms: [] },
  ML_DSA_44: { spec: 'ML_DSA_44', usages: ['SIGN_VERIFY'], supported: false, encryptionAlgorithms: [] },
  ML_DSA_65: { spec: 'ML_DSA_65', usages: ['SIGN_VERIFY'], supported: false, encryptionAlgorithms: [] },
  ML_DSA_87: { spec: 'ML_DSA_87', usages: ['SIGN_VERIFY'], supported: false, encryptionAlgorithms: [] },
  SM2: { spec: 'SM2', usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'KEY_AGREEMENT'], supported: false, encryptionAlgorithms: ['SM2PKE'] },
});

export function keySpecInfo(spec: string): KeySpecInfo {
  if (!Object.prototype.hasOwnProperty.call(TABLE, spec)) {
    throw new ValidationException(`1 validation error detected: Value '${spec}' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [${KEY_SPECS.join(', ')}]`);
  }
  return TABLE[spec as KeySpec];
}
