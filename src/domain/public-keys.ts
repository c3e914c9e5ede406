/** GetPublicKey and DeriveSharedSecret: the operations on an asymmetric key's public half and on key agreement. */
import { ecdhSharedSecret, peerPublicKey } from '../crypto/ecdh.ts';
import { privateKeyOf, publicKeyDer } from '../crypto/key-material.ts';
import { isAsymmetric, keySpecInfo, type KeyAgreementAlgorithm } from '../crypto/key-specs.ts';
import { UnsupportedOperationException, ValidationException } from '../shared/errors.ts';
import type { CallContext, Core } from './core.ts';
import { dryRun } from './crypto-ops.ts';
import { incompatibleAlgorithm, keyFor } from './key-use.ts';
import type { KeyRecord } from './types.ts';

/**
 * Symmetric and HMAC keys have no public key: UnsupportedOperationException (GetPublicKey's
 * model error list). AWS's exact text is not recorded; this is Trent's.
 */
export async function getPublicKey(core: Core, ctx: CallContext, p: { keyId: string; grantTokens?: readonly string[] }): Promise<{ key: KeyRecord; publicKey: Uint8Array }> {
  const key = await keyFor(core, ctx, { keyIdParam: p.keyId, action: 'kms:GetPublicKey', op: 'GetPublicKey', ...(p.grantTokens ? { grantTokens: p.grantTokens } : {}) });
  if (!isAsymmetric(keySpecInfo(key.keySpec))) {
    throw new UnsupportedOperationException(`${key.arn} key spec is ${key.keySpec} which is not valid for GetPublicKey.`);
  }
  const material = await core.requireMaterial(key.keyId, key.currentMaterialId);
  return { key, publicKey: publicKeyDer(material) };
}

/**
 * ECDH with a KEY_AGREEMENT key and the peer's DER SubjectPublicKeyInfo. A public key that is
 * not an EC key on the key's curve is ValidationException with an empty message (recorded
 * against AWS for a malformed one). The raw shared secret is returned, as AWS does.
 */
export async function deriveSharedSecret(
  core: Core,
  ctx: CallContext,
  p: { keyId: string; algorithm: KeyAgreementAlgorithm; publicKey: Uint8Array; grantTokens?: readonly string[]; dryRun?: boolean },
): Promise<{ key: KeyRecord; secret: Uint8Array }> {
  const key = await keyFor(core, ctx, {
    keyIdParam: p.keyId,
    action: 'kms:DeriveSharedSecret',
    op: 'DeriveSharedSecret',
    usage: 'KEY_AGREEMENT',
    conditions: { 'kms:KeyAgreementAlgorithm': p.algorithm },
    ...(p.grantTokens ? { grantTokens: p.grantTokens } : {}),
  });
  if (!keySpecInfo(key.keySpec).keyAgreementAlgorithms.includes(p.algorithm)) throw incompatibleAlgorithm(p.algorithm, key);
  const material = await core.requireMaterial(key.keyId, key.currentMaterialId);
  const privateKey = privateKeyOf(material);
  const peer = peerPublicKey(privateKey, p.publicKey);
  if (!peer) throw new ValidationException('');
  if (p.dryRun) throw dryRun();
  return { key, secret: ecdhSharedSecret(privateKey, peer) };
}
