import { TRAITS } from '../domain/operation.ts';
import { generateDataKeyPair } from '../domain/data-key-pair.ts';
import { dataKeyPairInput } from './generate-data-key-pair.ts';
import { defineOperation } from './operation.ts';

export default defineOperation({ name: 'GenerateDataKeyPairWithoutPlaintext', traits: { ...TRAITS.crypto, billing: 'data-key-pair' } }, dataKeyPairInput, async ({ core, call }, i) => {
  const r = await generateDataKeyPair(core, call, {
    keyId: i.KeyId,
    keyPairSpec: i.KeyPairSpec,
    ...(i.EncryptionContext ? { context: i.EncryptionContext } : {}),
    ...(i.DryRun ? { dryRun: true } : {}),
  }, false);
  r.privateKey.fill(0);
  return { PrivateKeyCiphertextBlob: r.blob, PublicKey: r.publicKey, KeyId: r.key.arn, KeyPairSpec: i.KeyPairSpec, KeyMaterialId: r.materialId };
});
