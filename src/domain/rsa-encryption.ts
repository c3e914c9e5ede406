/**
 * Encrypt / Decrypt / ReEncrypt with RSA ENCRYPT_DECRYPT keys. The ciphertext is plain
 * RSAES-OAEP output with no metadata ("KMS cannot store metadata in ciphertext generated with
 * asymmetric keys", Encrypt reference), so anyone holding the public key from GetPublicKey can
 * make it, and Decrypt needs the KeyId and the EncryptionAlgorithm.
 */
import { privateKeyOf, publicKeyOf } from '../crypto/key-material.ts';
import { encryptionAlgorithmInfo, keySpecInfo, rsaMaxPlaintext, type EncryptionAlgorithm, type HashName } from '../crypto/key-specs.ts';
import { oaepDecrypt, oaepEncrypt } from '../crypto/rsa-oaep.ts';
import type { EncryptionContext } from '../format/encryption-context.ts';
import { InvalidCiphertextException, ValidationException } from '../shared/errors.ts';
import type { CallContext, Core } from './core.ts';
import { useKey } from './execute.ts';
import { incompatibleAlgorithm } from './key-use.ts';
import type { KeyRecord } from './types.ts';

export function isRsaKey(key: KeyRecord): boolean {
  return keySpecInfo(key.keySpec).material.kind === 'rsa';
}

/**
 * "An encryption context is supported only on operations with symmetric encryption KMS keys"
 * (Encrypt reference). The exact text AWS answers is not recorded; this one is Trent's.
 */
export const ASYMMETRIC_CONTEXT_MESSAGE = 'EncryptionContext is not supported with asymmetric KMS keys.';

export function refuseContextForAsymmetric(key: KeyRecord, ec: EncryptionContext | undefined): void {
  if (ec !== undefined && Object.keys(ec).length > 0 && isRsaKey(key)) throw new ValidationException(ASYMMETRIC_CONTEXT_MESSAGE);
}

/** "Algorithm RSAES_OAEP_SHA_1 is incompatible with key spec SYMMETRIC_DEFAULT." — and SYMMETRIC_DEFAULT with an RSA key (AWS answers this to clients that forget the algorithm). */
export function assertEncryptionAlgorithm(key: KeyRecord, algorithm: EncryptionAlgorithm | undefined): EncryptionAlgorithm {
  const alg = algorithm ?? 'SYMMETRIC_DEFAULT';
  if (!keySpecInfo(key.keySpec).encryptionAlgorithms.includes(alg)) {
    throw incompatibleAlgorithm(alg, key);
  }
  return alg;
}

function oaepHash(algorithm: EncryptionAlgorithm): HashName {
  const hash = encryptionAlgorithmInfo(algorithm).oaepHash;
  if (!hash) throw new RangeError(`${algorithm} is not RSAES-OAEP`);
  return hash;
}

export async function rsaSeal(core: Core, key: KeyRecord, plaintext: Uint8Array, algorithm: EncryptionAlgorithm): Promise<Uint8Array> {
  const max = rsaMaxPlaintext(keySpecInfo(key.keySpec), encryptionAlgorithmInfo(algorithm));
  // Recorded: "Algorithm RSAES_OAEP_SHA_256 and key spec RSA_2048 cannot encrypt data larger than 190 bytes."
  if (plaintext.length > max) throw new ValidationException(`Algorithm ${algorithm} and key spec ${key.keySpec} cannot encrypt data larger than ${max} bytes.`);
  const material = await core.requireMaterial(key.keyId, key.currentMaterialId);
  return oaepEncrypt(publicKeyOf(material), oaepHash(algorithm), plaintext);
}

export interface RsaOpenInput {
  blob: Uint8Array;
  keyIdParam?: string;
  context?: EncryptionContext;
  algorithm: EncryptionAlgorithm;
  action: string;
  op: string;
}

/**
 * Decrypts RSAES-OAEP ciphertext. Without a KeyId nothing names the key, and a ciphertext that
 * does not decrypt under it is the one decrypt failure, InvalidCiphertextException.
 */
export async function rsaOpen(core: Core, ctx: CallContext, input: RsaOpenInput): Promise<{ key: KeyRecord; plaintext: Uint8Array }> {
  if (input.keyIdParam === undefined) throw new InvalidCiphertextException();
  const key = await useKey(core, ctx, input.keyIdParam, {
    alias: true,
    action: input.action,
    op: input.op,
    state: 'crypto',
    usage: 'ENCRYPT_DECRYPT',
    conditions: { 'kms:EncryptionAlgorithm': input.algorithm },
  });
  assertEncryptionAlgorithm(key, input.algorithm);
  refuseContextForAsymmetric(key, input.context);
  const material = await core.requireMaterial(key.keyId, key.currentMaterialId);
  const plaintext = oaepDecrypt(privateKeyOf(material), oaepHash(input.algorithm), input.blob);
  if (!plaintext) throw new InvalidCiphertextException();
  return { key, plaintext };
}
