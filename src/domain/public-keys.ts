/** GetPublicKey and DeriveSharedSecret: the operations on an asymmetric key's public half and on key agreement. */
import { ecdhSharedSecret, peerPublicKey } from '../crypto/ecdh.ts';
import { privateKeyOf, publicKeyDer } from '../crypto/key-material.ts';
import { isAsymmetric, keySpecInfo, type KeyAgreementAlgorithm } from '../crypto/key-specs.ts';
import { UnsupportedOperationException, ValidationException } from '../shared/errors.ts';
import type { Core } from './core.ts';
import { dryRun } from './crypto-ops.ts';
import { incompatibleAlgorithm } from './key-use.ts';
import type { KeyRecord } from './types.ts';

/**
 * Symmetric and HMAC keys have no public key: UnsupportedOperationException (GetPublicKey's
 * model error list). AWS's exact text is not recorded; this is Trent's.
 */
export async function getPublicKey(core: Core, key: KeyRecord): Promise<Uint8Array> {
  if (!isAsymmetric(keySpecInfo(key.keySpec))) {
    throw new UnsupportedOperationException(`${key.arn} key spec is ${key.keySpec} which is not valid for GetPublicKey.`);
  }
  const material = await core.requireMaterial(key.keyId, key.currentMaterialId);
  return publicKeyDer(material);
}

/**
 * ECDH with a KEY_AGREEMENT key and the peer's DER SubjectPublicKeyInfo. A public key that is
 * not an EC key on the key's curve is ValidationException with an empty message (recorded
 * against AWS for a malformed one). The raw shared secret is returned, as AWS does.
 */
export async function deriveSharedSecret(core: Core, key: KeyRecord, p: { algorithm: KeyAgreementAlgorithm; publicKey: Uint8Array; dryRun?: boolean }): Promise<Uint8Array> {
  if (!keySpecInfo(key.keySpec).keyAgreementAlgorithms.includes(p.algorithm)) throw incompatibleAlgorithm(p.algorithm, key);
  const material = await core.requireMaterial(key.keyId, key.currentMaterialId);
  const privateKey = privateKeyOf(material);
  const peer = peerPublicKey(privateKey, p.publicKey);
  if (!peer) throw new ValidationException('');
  if (p.dryRun) throw dryRun();
  return ecdhSharedSecret(privateKey, peer);
}
