import { TRAITS } from '../domain/operation.ts';
import { encrypt, sealingKeyUse } from '../domain/crypto-ops.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, DryRunField, EncryptionAlgorithmField, EncryptionContextField, GrantTokensField, KeyIdField } from './operation.ts';

export default defineOperation(
  {
    name: 'Encrypt',
    traits: TRAITS.crypto,
    key: sealingKeyUse('kms:Encrypt'),
    scrub: (i) => i.Plaintext.fill(0),
  },
  {
    KeyId: KeyIdField,
    Plaintext: S.blob({ required: true, min: 1, max: 4096, sensitive: true }),
    EncryptionContext: EncryptionContextField,
    GrantTokens: GrantTokensField,
    EncryptionAlgorithm: EncryptionAlgorithmField,
    DryRun: DryRunField,
  },
  async ({ core }, i, key) => {
    const s = await encrypt(core, key, {
      plaintext: i.Plaintext,
      ...(i.EncryptionContext ? { context: i.EncryptionContext } : {}),
      ...(i.EncryptionAlgorithm ? { algorithm: i.EncryptionAlgorithm } : {}),
      ...(i.DryRun ? { dryRun: true } : {}),
    });
    return { CiphertextBlob: s.blob, KeyId: s.key.arn, EncryptionAlgorithm: s.algorithm ?? 'SYMMETRIC_DEFAULT' };
  },
);
