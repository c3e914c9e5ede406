/** RSAES-OAEP (RFC 8017 §7.1) with MGF1 over the same hash and an empty label, as KMS uses it. */
import { constants, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto';
import type { HashName } from './key-specs.ts';

export function oaepEncrypt(publicKey: KeyObject, hash: HashName, plaintext: Uint8Array): Uint8Array {
  const out = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, plaintext);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** Undefined on any decryption failure: the caller answers the one decrypt error. */
export function oaepDecrypt(privateKey: KeyObject, hash: HashName, ciphertext: Uint8Array): Uint8Array | undefined {
  try {
    const out = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, ciphertext);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  } catch {
    return undefined;
  }
}
