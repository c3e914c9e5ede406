import { TRAITS } from '../domain/operation.ts';
import { KEY_AGREEMENT_ALGORITHMS } from '../crypto/key-specs.ts';
import { deriveSharedSecret } from '../domain/public-keys.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, DryRunField, GrantTokensField, KeyIdField, RecipientField, refuseRecipient } from './operation.ts';

export default defineOperation(
  {
    name: 'DeriveSharedSecret',
    traits: TRAITS.crypto,
    key: {
      member: 'KeyId',
      alias: true,
      action: 'kms:DeriveSharedSecret',
      state: 'crypto',
      usage: 'KEY_AGREEMENT',
      conditions: (i) => ({ 'kms:KeyAgreementAlgorithm': i.KeyAgreementAlgorithm }),
    },
    check: (i) => refuseRecipient(i.Recipient),
  },
  {
    KeyId: KeyIdField,
    KeyAgreementAlgorithm: S.string({ required: true, enum: KEY_AGREEMENT_ALGORITHMS }),
    PublicKey: S.blob({ required: true, min: 1, max: 8192 }),
    GrantTokens: GrantTokensField,
    DryRun: DryRunField,
    Recipient: RecipientField,
  },
  async ({ core }, i, key) => {
    const secret = await deriveSharedSecret(core, key, { algorithm: i.KeyAgreementAlgorithm, publicKey: i.PublicKey, ...(i.DryRun ? { dryRun: true } : {}) });
    return { KeyId: key.arn, SharedSecret: secret, KeyAgreementAlgorithm: i.KeyAgreementAlgorithm, KeyOrigin: key.origin };
  },
);
