import { TRAITS } from '../domain/operation.ts';
import { DATA_KEY_PAIR_SPECS } from '../crypto/key-specs.ts';
import { sealingKeyUse } from '../domain/crypto-ops.ts';
import { generateDataKeyPair } from '../domain/data-key-pair.ts';
import { S, type Infer } from '../shared/validate.ts';
import { defineOperation, DryRunField, EncryptionContextField, GrantTokensField, KeyIdField, RecipientField, refuseRecipient } from './operation.ts';

export const dataKeyPairInput = {
  EncryptionContext: EncryptionContextField,
  KeyId: KeyIdField,
  KeyPairSpec: S.string({ required: true, enum: DATA_KEY_PAIR_SPECS }),
  GrantTokens: GrantTokensField,
  DryRun: DryRunField,
};

/** The key of GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext (`action`: the operation's), with kms:DataKeyPairSpec. */
export const dataKeyPairUse = (action: string) => sealingKeyUse<Infer<typeof dataKeyPairInput>>(action, (i) => ({ 'kms:DataKeyPairSpec': i.KeyPairSpec }));

export default defineOperation(
  {
    name: 'GenerateDataKeyPair',
    traits: { ...TRAITS.crypto, billing: 'data-key-pair' },
    key: dataKeyPairUse('kms:GenerateDataKeyPair'),
    check: (i) => refuseRecipient(i.Recipient),
  },
  { ...dataKeyPairInput, Recipient: RecipientField },
  async ({ core }, i, key) => {
    const r = await generateDataKeyPair(core, key, {
      keyPairSpec: i.KeyPairSpec,
      ...(i.EncryptionContext ? { context: i.EncryptionContext } : {}),
      ...(i.DryRun ? { dryRun: true } : {}),
    });
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
