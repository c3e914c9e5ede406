/**
 * GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext: a fresh key pair whose PKCS#8
 * private key is encrypted under a symmetric encryption KMS key, bound to the encryption context
 * like any Encrypt — so Decrypt of PrivateKeyCiphertextBlob returns the private key.
 */
import { generateKeyMaterial, publicKeyDer } from '../crypto/key-material.ts';
import { keySpecInfo, type DataKeyPairSpec } from '../crypto/key-specs.ts';
import type { EncryptionContext } from '../format/encryption-context.ts';
import { UnsupportedOperationException } from '../shared/errors.ts';
import type { CallContext, Core } from './core.ts';
import { dryRun, seal, sealingKey, type Sealed } from './crypto-ops.ts';

export interface DataKeyPair extends Sealed {
  publicKey: Uint8Array;
  /** PKCS#8 DER; zeroed by the caller once sent (or at once, without plaintext). */
  privateKey: Uint8Array;
}

export async function generateDataKeyPair(
  core: Core,
  ctx: CallContext,
  p: { keyId: string; keyPairSpec: DataKeyPairSpec; context?: EncryptionContext; dryRun?: boolean },
  withPlaintext: boolean,
): Promise<DataKeyPair> {
  const op = withPlaintext ? 'GenerateDataKeyPair' : 'GenerateDataKeyPairWithoutPlaintext';
  const spec = keySpecInfo(p.keyPairSpec);
  const key = await sealingKey(core, ctx, p.keyId, `kms:${op}`, op, p.context, undefined, { 'kms:DataKeyPairSpec': p.keyPairSpec });
  if (!spec.supported) throw new UnsupportedOperationException(spec.unsupportedReason ?? `KeyPairSpec ${p.keyPairSpec} is not supported.`);
  if (p.dryRun) throw dryRun();
  const privateKey = await generateKeyMaterial(spec.material, core.rng);
  const publicKey = publicKeyDer(privateKey);
  const sealed = await seal(core, key, privateKey, p.context);
  return { ...sealed, publicKey, privateKey };
}
