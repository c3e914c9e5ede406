import { decrypt } from '../domain/crypto-ops.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, DryRunField, DryRunModifiersField, EncryptionAlgorithmField, EncryptionContextField, GrantTokensField, OptionalKeyIdField, RecipientField, refuseDryRunModifiers, refuseRecipient } from './operation.ts';

export default defineOperation(
  {
    CiphertextBlob: S.blob({ required: true, min: 1, max: 6144 }),
    EncryptionContext: EncryptionContextField,
    GrantTokens: GrantTokensField,
    KeyId: OptionalKeyIdField,
    EncryptionAlgorithm: EncryptionAlgorithmField,
    Recipient: RecipientField,
    DryRun: DryRunField,
    DryRunModifiers: DryRunModifiersField,
  },
  async ({ core, call }, i) => {
    refuseRecipient(i.Recipient);
    refuseDryRunModifiers(i.DryRunModifiers);
    const o = await decrypt(core, call, {
      blob: i.CiphertextBlob,
      ...(i.KeyId !== undefined ? { keyId: i.KeyId } : {}),
      ...(i.EncryptionContext ? { context: i.EncryptionContext } : {}),
      ...(i.EncryptionAlgorithm ? { algorithm: i.EncryptionAlgorithm } : {}),
      ...(i.DryRun ? { dryRun: true } : {}),
    });
    // KeyMaterialId identifies symmetric material; RSA ciphertext carries none.
    return { KeyId: o.key.arn, Plaintext: o.plaintext, EncryptionAlgorithm: o.algorithm ?? 'SYMMETRIC_DEFAULT', ...(o.algorithm ? {} : { KeyMaterialId: o.materialId }) };
  },
);
