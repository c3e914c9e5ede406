/**
 * The first material of a new key, for any spec the key-spec table can make: 256-bit AES,
 * HMAC keys of the digest's size, PKCS#8 private keys for RSA, ECC and Ed25519, and for ML-DSA
 * the 32-byte seed in its PKCS#8 form (crypto/ml-dsa.ts says why the seed). Wrapped by the root
 * keyring before anything else sees it, like symmetric material.
 */
import { generateKeyMaterial } from '../crypto/key-material.ts';
import type { KeySpecInfo } from '../crypto/key-specs.ts';
import { UnsupportedOperationException } from '../shared/errors.ts';
import type { Core } from './core.ts';
import type { MaterialRecord } from './types.ts';

export async function newKeyMaterial(core: Core, keyId: string, spec: KeySpecInfo): Promise<{ record: MaterialRecord; plain: Uint8Array }> {
  if (spec.material.kind === 'aes') return core.newSymmetricMaterial(keyId);
  if (!spec.supported) throw new UnsupportedOperationException(spec.unsupportedReason ?? `KeySpec ${spec.spec} is not supported by this build of Trent.`);
  return core.newMaterial(keyId, await generateKeyMaterial(spec.material, core.rng));
}
