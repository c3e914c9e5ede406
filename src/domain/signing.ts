/**
 * Sign and Verify with asymmetric SIGN_VERIFY keys. Which algorithms and message types a key
 * accepts, and how long a DIGEST must be, come from the key-spec table.
 */
import { signingKeyOf, verifyingKeyOf } from '../crypto/key-material.ts';
import { keySpecInfo, signingAlgorithmInfo, type MessageType, type SigningAlgorithm, type SigningAlgorithmInfo } from '../crypto/key-specs.ts';
import { signMessageOffLoop, verifyMessageOffLoop } from '../crypto/signatures.ts';
import { KMSInvalidSignatureException, UnsupportedOperationException, ValidationException } from '../shared/errors.ts';
import type { Core } from './core.ts';
import { dryRun } from './crypto-ops.ts';
import { incompatibleAlgorithm } from './key-use.ts';
import type { KeyRecord } from './types.ts';

export interface SignInput {
  message: Uint8Array;
  messageType?: MessageType;
  algorithm: SigningAlgorithm;
  dryRun?: boolean;
}

/**
 * Checks the algorithm and message against the key:
 * - an algorithm the key spec does not list → InvalidKeyUsageException (AWS's text);
 * - a message type the algorithm cannot take → ValidationException. AWS answers
 *   "Message type DIGEST is incompatible with key spec ML_DSA_44." (measured against AWS, recorded in
 *   floci-io/floci#3025); where the spec has another algorithm that takes the type (Ed25519), Trent names
 *   the algorithm instead (unverified wording);
 * - "When the value of MessageType is DIGEST, the length of the Message value must match the
 *   length of hashed messages for the specified signing algorithm" → "Digest is invalid length
 *   for algorithm X." (recorded); EXTERNAL_MU must be 64 bytes (same wording, unverified).
 */
function checkSigning(key: KeyRecord, algorithm: SigningAlgorithm, messageType: MessageType, message: Uint8Array): SigningAlgorithmInfo {
  const spec = keySpecInfo(key.keySpec);
  if (!spec.signingAlgorithms.includes(algorithm)) throw incompatibleAlgorithm(algorithm, key);
  const alg = signingAlgorithmInfo(algorithm);
  if (!alg.messageTypes.includes(messageType)) {
    const specTakesIt = spec.signingAlgorithms.some((a) => signingAlgorithmInfo(a).messageTypes.includes(messageType));
    throw new ValidationException(specTakesIt
      ? `Message type ${messageType} is incompatible with signing algorithm ${algorithm}.`
      : `Message type ${messageType} is incompatible with key spec ${key.keySpec}.`);
  }
  if (messageType !== 'RAW' && message.length !== alg.digestLength) throw new ValidationException(`Digest is invalid length for algorithm ${algorithm}.`);
  if (alg.unsupportedReason) throw new UnsupportedOperationException(alg.unsupportedReason);
  return alg;
}

/**
 * `key`: authorized for Sign or Verify (with kms:SigningAlgorithm and kms:MessageType, RAW when
 * absent), in state, of SIGN_VERIFY usage.
 */
export async function sign(core: Core, key: KeyRecord, p: SignInput): Promise<Uint8Array> {
  const messageType = p.messageType ?? 'RAW';
  const alg = checkSigning(key, p.algorithm, messageType, p.message);
  if (p.dryRun) throw dryRun();
  const material = await core.requireMaterial(key.keyId, key.currentMaterialId);
  return signMessageOffLoop(signingKeyOf(material), alg, p.message, messageType);
}

/** A signature that does not verify is KMSInvalidSignatureException with an empty message (recorded against AWS). */
export async function verify(core: Core, key: KeyRecord, p: SignInput & { signature: Uint8Array }): Promise<void> {
  const messageType = p.messageType ?? 'RAW';
  const alg = checkSigning(key, p.algorithm, messageType, p.message);
  if (p.dryRun) throw dryRun();
  const material = await core.requireMaterial(key.keyId, key.currentMaterialId);
  if (!(await verifyMessageOffLoop(verifyingKeyOf(material), alg, p.message, messageType, p.signature))) throw new KMSInvalidSignatureException();
}
