import { TRAITS } from '../domain/operation.ts';
import { generateDataKeyPair } from '../domain/data-key-pair.ts';
import { dataKeyPairInput, dataKeyPairUse } from './generate-data-key-pair.ts';
import { defineOperation } from './operation.ts';

export default defineOperation(
  {
    name: 'GenerateDataKeyPairWithoutPlaintext',
    traits: { ...TRAITS.crypto, billing: 'data-key-pair' },
    key: dataKeyPairUse('kms:GenerateDataKeyPairWithoutPlaintext'),
  },
  dataKeyPairInput,
  async ({ core }, i, key) => {
    const r = await generateDataKeyPair(core, key, {
      keyPairSpec: i.KeyPairSpec,
      ...(i.EncryptionContext ? { context: i.EncryptionContext } : {}),
      ...(i.DryRun ? { dryRun: true } : {}),
    });
    r.privateKey.fill(0);
    return { PrivateKeyCiphertextBlob: r.blob, PublicKey: r.publicKey, KeyId: r.key.arn, KeyPairSpec: i.KeyPairSpec, KeyMaterialId: r.materialId };
  },
);
