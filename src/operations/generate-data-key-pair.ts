import { TRAITS } from '../domain/operation.ts';
import { DATA_KEY_PAIR_SPECS } from '../crypto/key-specs.ts';
import { generateDataKeyPair } from '../domain/data-key-pair.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, DryRunField, EncryptionContextField, GrantTokensField, KeyIdField, RecipientField, refuseRecipient } from './operation.ts';

export const dataKeyPairInput = {
  EncryptionContext: EncryptionContextField,
  KeyId: KeyIdField,
  KeyPairSpec: S.string({ required: true, enum: DATA_KEY_PAIR_SPECS }),
  GrantTokens: GrantTokensField,
  DryRun: DryRunField,
};

export default defineOperation({ name: 'GenerateDataKeyPair', traits: { ...TRAITS.crypto, billing: 'data-key-pair' } }, 
  { ...dataKeyPairInput, Recipient: RecipientField },
  async ({ core, call }, i) => {
    refuseRecipient(i.Recipient);
    const r = await generateDataKeyPair(core, call, {
      keyId: i.KeyId,
      keyPairSpec: i.KeyPairSpec,
      ...(i.EncryptionContext ? { context: i.EncryptionContext } : {}),
      ...(i.DryRun ? { dryRun: true } : {}),
    }, true);
    return {
      PrivateKeyCiphertextBlob: r.blob,
      PrivateKeyPlaintext: r.privateKey,
      PublicKey: r.publicKey,
      KeyId: r.key.arn,
      KeyPairSpec: i.KeyPairSpec,
      KeyMaterialId: r.materialId,
    };
  },
);
