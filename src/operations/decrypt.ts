import { TRAITS } from '../domain/operation.ts';
import { decrypt, dryRunWithoutCiphertext } from '../domain/crypto-ops.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, DryRunField, DryRunModifiersField, EncryptionAlgorithmField, EncryptionContextField, GrantTokensField, OptionalKeyIdField, RecipientField, ignoresCiphertext, requireCiphertext, refuseRecipient } from './operation.ts';

export default defineOperation({ name: 'Decrypt', traits: TRAITS.crypto }, 
  {
    CiphertextBlob: S.blob({ min: 1, max: 6144 }),
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
    if (ignoresCiphertext(i)) {
      await dryRunWithoutCiphertext(core, call, 'Decrypt', [{ keyId: i.KeyId, member: 'KeyId', action: 'kms:Decrypt', ...(i.EncryptionContext ? { context: i.EncryptionContext } : {}), ...(i.EncryptionAlgorithm ? { algorithm: i.EncryptionAlgorithm } : {}) }]);
    }
    const o = await decrypt(core, call, {
      blob: requireCiphertext(i.CiphertextBlob),
      ...(i.KeyId !== undefined ? { keyId: i.KeyId } : {}),
      ...(i.EncryptionContext ? { context: i.EncryptionContext } : {}),
      ...(i.EncryptionAlgorithm ? { algorithm: i.EncryptionAlgorithm } : {}),
      ...(i.DryRun ? { dryRun: true } : {}),
    });
    // KeyMaterialId identifies symmetric material; RSA ciphertext carries none.
    return { KeyId: o.key.arn, Plaintext: o.plaintext, EncryptionAlgorithm: o.algorithm ?? 'SYMMETRIC_DEFAULT', ...(o.algorithm ? {} : { KeyMaterialId: o.materialId }) };
  },
);
