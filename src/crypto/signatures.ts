/**
 * Sign / Verify for every signing algorithm this build implements, dispatched on the algorithm's
 * scheme from the key-spec table. RAW messages go to node:crypto whole (it hashes them); DIGEST
 * messages (already the hash, length checked by the caller) go to the digest paths.
 *
 * Output formats are the ones KMS returns and standard verifiers expect: RSASSA-PSS with MGF1
 * and salt length = hash length, RSASSA-PKCS1-v1_5, DER ECDSA-Sig-Value, 64-byte Ed25519.
 */
import { constants, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { ecdsaSignDigest, ecdsaVerifyDigest } from './ecdsa-digest.ts';
import type { EcCurve, HashName, MessageType, SigningAlgorithmInfo } from './key-specs.ts';
import { pkcs1SignDigest, pkcs1VerifyDigest, pssSignDigest, pssVerifyDigest } from './rsa-digest.ts';

const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST };

function curveOf(key: KeyObject): EcCurve {
  const c = key.asymmetricKeyDetails?.namedCurve;
  if (c !== 'prime256v1' && c !== 'secp384r1' && c !== 'secp521r1' && c !== 'secp256k1') throw new RangeError(`unsupported curve ${c}`);
  return c;
}

const u8 = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);

/** Throws RangeError for a scheme this build does not implement (the domain refuses those first). */
export function signMessage(key: KeyObject, alg: SigningAlgorithmInfo, message: Uint8Array, messageType: MessageType): Uint8Array {
  const hash = alg.hash as HashName;
  const digest = messageType === 'DIGEST';
  switch (alg.scheme) {
    case 'rsa-pss':
      return digest ? pssSignDigest(key, hash, message) : u8(nodeSign(hash, message, { key, ...PSS }));
    case 'rsa-pkcs1':
      return digest ? pkcs1SignDigest(key, hash, message) : u8(nodeSign(hash, message, key));
    case 'ecdsa':
      return digest ? ecdsaSignDigest(key, curveOf(key), message) : u8(nodeSign(hash, message, { key, dsaEncoding: 'der' }));
    case 'ed25519':
      if (digest) break;
      return u8(nodeSign(null, message, key));
    default:
      break;
  }
  throw new RangeError(`${alg.name} with ${messageType} is not implemented`);
}

/** False for a signature that does not verify, including a malformed one. */
export function verifyMessage(key: KeyObject, alg: SigningAlgorithmInfo, message: Uint8Array, messageType: MessageType, signature: Uint8Array): boolean {
  const hash = alg.hash as HashName;
  const digest = messageType === 'DIGEST';
  try {
    switch (alg.scheme) {
      case 'rsa-pss':
        return digest ? pssVerifyDigest(key, hash, message, signature) : nodeVerify(hash, message, { key, ...PSS }, signature);
      case 'rsa-pkcs1':
        return digest ? pkcs1VerifyDigest(key, hash, message, signature) : nodeVerify(hash, message, key, signature);
      case 'ecdsa':
        return digest ? ecdsaVerifyDigest(key, curveOf(key), message, signature) : nodeVerify(hash, message, { key, dsaEncoding: 'der' }, signature);
      case 'ed25519':
        if (digest) break;
        return nodeVerify(null, message, key, signature);
      default:
        break;
    }
  } catch {
    return false;
  }
  throw new RangeError(`${alg.name} with ${messageType} is not implemented`);
}
