/**
 * Sign / Verify for every signing algorithm this build implements, dispatched on the algorithm's
 * scheme from the key-spec table. RAW messages go to node:crypto whole (it hashes them); DIGEST
 * messages (already the hash, length checked by the caller) go to the digest paths. Node.js 20
 * lacks two schemes: Ed25519ph (ed25519ph.ts) and ML-DSA (ml-dsa.ts), both on audited noble code;
 * the domain calls the *OffLoop variants, which make those (slow, pure JavaScript) on worker
 * threads (sign-pool.ts), and everything else here.
 *
 * Output formats are the ones KMS returns and standard verifiers expect: RSASSA-PSS with MGF1
 * and salt length = hash length, RSASSA-PKCS1-v1_5, DER ECDSA-Sig-Value, 64-byte Ed25519 and
 * Ed25519ph, FIPS 204 ML-DSA signatures (2,420 / 3,309 / 4,627 bytes).
 */
import { constants, KeyObject, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { ecdsaSignDigest, ecdsaVerifyDigest } from './ecdsa-digest.ts';
import { ed25519phSeed, ed25519phSign, ed25519phVerify, loadEd25519ph } from './ed25519ph.ts';
import type { SigningKey, VerifyingKey } from './key-material.ts';
import type { EcCurve, HashName, MessageType, SigningAlgorithmInfo } from './key-specs.ts';
import { ML_DSA_MU_BYTES, mlDsaSign, mlDsaVerify, type MlDsaPublicKey } from './ml-dsa.ts';
import { signPool } from './sign-pool.ts';
import { pkcs1SignDigest, pkcs1VerifyDigest, pssSignDigest, pssVerifyDigest } from './rsa-digest.ts';

const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST };

function curveOf(key: KeyObject): EcCurve {
  const c = key.asymmetricKeyDetails?.namedCurve;
  if (c !== 'prime256v1' && c !== 'secp384r1' && c !== 'secp521r1' && c !== 'secp256k1') throw new RangeError(`unsupported curve ${c}`);
  return c;
}

const u8 = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);

/** The key of the other family than the algorithm's is a programming error, not a bad signature. */
function nodeKey(key: SigningKey | VerifyingKey, alg: SigningAlgorithmInfo): KeyObject {
  if (key instanceof KeyObject) return key;
  throw new RangeError(`${alg.name} needs a node:crypto key, not an ${key.kind} key`);
}

function mlDsaKey<K extends MlDsaPublicKey>(key: KeyObject | K, alg: SigningAlgorithmInfo): K {
  if (!(key instanceof KeyObject)) return key;
  throw new RangeError(`${alg.name} needs an ML-DSA key, not a ${key.asymmetricKeyType ?? key.type} key`);
}

/** Throws RangeError for a scheme this build does not implement (the domain refuses those first). */
export function signMessage(signingKey: SigningKey, alg: SigningAlgorithmInfo, message: Uint8Array, messageType: MessageType): Uint8Array {
  if (alg.scheme === 'ml-dsa') {
    if (messageType === 'DIGEST') throw new RangeError(`${alg.name} with ${messageType} is not implemented`);
    return mlDsaSign(mlDsaKey(signingKey, alg), message, messageType === 'EXTERNAL_MU');
  }
  const key = nodeKey(signingKey, alg);
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
    case 'ed25519ph':
      if (!digest) break;
      return ed25519phSign(key, message);
    default:
      break;
  }
  throw new RangeError(`${alg.name} with ${messageType} is not implemented`);
}

/**
 * signMessage, with ML-DSA and Ed25519ph (pure JavaScript, slow) made on a worker thread
 * (sign-pool.ts) so the event loop keeps serving; node:crypto's algorithms stay here (native, fast).
 * The worker gets a copy of the private key, which it zeroes after use.
 */
export async function signMessageOffLoop(signingKey: SigningKey, alg: SigningAlgorithmInfo, message: Uint8Array, messageType: MessageType): Promise<Uint8Array> {
  if (alg.scheme === 'ml-dsa' && messageType !== 'DIGEST') {
    const key = mlDsaKey(signingKey, alg);
    if (messageType === 'EXTERNAL_MU' && message.length !== ML_DSA_MU_BYTES) throw new RangeError(`μ is ${ML_DSA_MU_BYTES} bytes, not ${message.length}`);
    return signPool().sign({ scheme: 'ml-dsa', parameterSet: key.parameterSet, key: Uint8Array.from(key.secretKey), message, externalMu: messageType === 'EXTERNAL_MU' });
  }
  if (alg.scheme === 'ed25519ph' && messageType === 'DIGEST') {
    return signPool().sign({ scheme: 'ed25519ph', key: ed25519phSeed(nodeKey(signingKey, alg)), message });
  }
  return signMessage(signingKey, alg, message, messageType);
}

/** verifyMessage, with ML-DSA verification on a worker thread (sign-pool.ts). */
export async function verifyMessageOffLoop(verifyingKey: VerifyingKey, alg: SigningAlgorithmInfo, message: Uint8Array, messageType: MessageType, signature: Uint8Array): Promise<boolean> {
  if (alg.scheme === 'ed25519ph') await loadEd25519ph(); // verified here, on @noble/curves (loaded on first need)
  if (alg.scheme === 'ml-dsa' && messageType !== 'DIGEST') {
    const key = mlDsaKey(verifyingKey, alg);
    return signPool().verify({ scheme: 'ml-dsa', parameterSet: key.parameterSet, publicKey: key.publicKey, message, externalMu: messageType === 'EXTERNAL_MU', signature });
  }
  return verifyMessage(verifyingKey, alg, message, messageType, signature);
}

/** False for a signature that does not verify, including a malformed one. */
export function verifyMessage(verifyingKey: VerifyingKey, alg: SigningAlgorithmInfo, message: Uint8Array, messageType: MessageType, signature: Uint8Array): boolean {
  if (alg.scheme === 'ml-dsa') {
    if (messageType === 'DIGEST') throw new RangeError(`${alg.name} with ${messageType} is not implemented`);
    return mlDsaVerify(mlDsaKey(verifyingKey, alg), message, messageType === 'EXTERNAL_MU', signature);
  }
  const key = nodeKey(verifyingKey, alg);
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
      case 'ed25519ph':
        if (!digest) break;
        return ed25519phVerify(key, message, signature);
      default:
        break;
    }
  } catch {
    return false;
  }
  throw new RangeError(`${alg.name} with ${messageType} is not implemented`);
}
