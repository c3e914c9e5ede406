import { decrypt } from '../domain/crypto-ops.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, DryRunField, EncryptionAlgorithmField, EncryptionContextField, GrantTokensField, OptionalKeyIdField } from './operation.ts';

export default defineOperation(
  {
    CiphertextBlob: S.blob({ required: true, min: 1, max: 6144 }),
    EncryptionContext: EncryptionContextField,
    GrantTokens: GrantTokensField,
    KeyId: OptionalKeyIdField,
    EncryptionAlgorithm: EncryptionAlgorithmField,
    Recipient: S.struct({ KeyEncryptionAlgorithm: S.string(), AttestationDocument: S.blob() }),
    DryRun: DryRunField,
    DryRunModifiers: S.list(S.string({ enum: ['IGNORE_CIPHERTEXT'] as const })),
  },
  async ({ core, call }, i) => {
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
