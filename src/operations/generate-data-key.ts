import { generateDataKey } from '../domain/crypto-ops.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, DryRunField, EncryptionContextField, GrantTokensField, KeyIdField } from './operation.ts';

export const dataKeyInput = {
  KeyId: KeyIdField,
  EncryptionContext: EncryptionContextField,
  NumberOfBytes: S.int({ min: 1, max: 1024 }),
  KeySpec: S.string({ enum: ['AES_256', 'AES_128'] as const }),
  GrantTokens: GrantTokensField,
  DryRun: DryRunField,
};

export default defineOperation(
  { ...dataKeyInput, Recipient: S.struct({ KeyEncryptionAlgorithm: S.string(), AttestationDocument: S.blob() }) },
  async ({ core, call }, i) => {
    const r = await generateDataKey(core, call, {
      keyId: i.KeyId,
      ...(i.KeySpec !== undefined ? { keySpec: i.KeySpec } : {}),
      ...(i.NumberOfBytes !== undefined ? { numberOfBytes: i.NumberOfBytes } : {}),
      ...(i.EncryptionContext ? { context: i.EncryptionContext } : {}),
      ...(i.DryRun ? { dryRun: true } : {}),
    }, true);
    return { CiphertextBlob: r.blob, Plaintext: r.plaintext, KeyId: r.key.arn, KeyMaterialId: r.materialId };
  },
);
