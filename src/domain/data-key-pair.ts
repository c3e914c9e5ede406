/**
 * GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext: a fresh key pair whose PKCS#8
 * private key is encrypted under a symmetric encryption KMS key, bound to the encryption context
 * like any Encrypt — so Decrypt of PrivateKeyCiphertextBlob returns the private key.
 */
import { generateKeyMaterial, publicKeyDer } from '../crypto/key-material.ts';
import { keySpecInfo, type DataKeyPairSpec } from '../crypto/key-specs.ts';
import type { EncryptionContext } from '../format/encryption-context.ts';
import { UnsupportedOperationException } from '../shared/errors.ts';
import type { Core } from './core.ts';
import { assertSealable, dryRun, seal, type Sealed } from './crypto-ops.ts';
import type { KeyRecord } from './types.ts';

export interface DataKeyPair extends Sealed {
  publicKey: Uint8Array;
  /** PKCS#8 DER; zeroed by the caller once sent (or at once, without plaintext). */
  privateKey: Uint8Array;
}

/** `key`: authorized for the operation (with kms:DataKeyPairSpec), in state, of ENCRYPT_DECRYPT usage. */
export async function generateDataKeyPair(core: Core, key: KeyRecord, p: { keyPairSpec: DataKeyPairSpec; context?: EncryptionContext; dryRun?: boolean }): Promise<DataKeyPair> {
  const spec = keySpecInfo(p.keyPairSpec);
  assertSealable(key, p.context, undefined);
  if (!spec.supported) throw new UnsupportedOperationException(spec.unsupportedReason ?? `KeyPairSpec ${p.keyPairSpec} is not supported.`);
  if (p.dryRun) throw dryRun();
  const privateKey = await generateKeyMaterial(spec.material, core.rng);
  const publicKey = publicKeyDer(privateKey);
  const sealed = await seal(core, key, privateKey, p.context);
  return { ...sealed, publicKey, privateKey };
}
