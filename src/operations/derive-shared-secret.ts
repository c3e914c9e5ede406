import { TRAITS } from '../domain/operation.ts';
import { KEY_AGREEMENT_ALGORITHMS } from '../crypto/key-specs.ts';
import { deriveSharedSecret } from '../domain/public-keys.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, DryRunField, GrantTokensField, KeyIdField, RecipientField, refuseRecipient } from './operation.ts';

export default defineOperation({ name: 'DeriveSharedSecret', traits: TRAITS.crypto }, 
  {
    KeyId: KeyIdField,
    KeyAgreementAlgorithm: S.string({ required: true, enum: KEY_AGREEMENT_ALGORITHMS }),
    PublicKey: S.blob({ required: true, min: 1, max: 8192 }),
    GrantTokens: GrantTokensField,
    DryRun: DryRunField,
    Recipient: RecipientField,
  },
  async ({ core, call }, i) => {
    refuseRecipient(i.Recipient);
    const r = await deriveSharedSecret(core, call, {
      keyId: i.KeyId,
      algorithm: i.KeyAgreementAlgorithm,
      publicKey: i.PublicKey,
      ...(i.GrantTokens ? { grantTokens: i.GrantTokens } : {}),
      ...(i.DryRun ? { dryRun: true } : {}),
    });
    return { KeyId: r.key.arn, SharedSecret: r.secret, KeyAgreementAlgorithm: i.KeyAgreementAlgorithm, KeyOrigin: r.key.origin };
  },
);
