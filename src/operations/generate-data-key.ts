import { TRAITS } from '../domain/operation.ts';
import { generateDataKey } from '../domain/crypto-ops.ts';
import type { OpContext } from './operation.ts';
import { S, type Infer } from '../shared/validate.ts';
import { defineOperation, DryRunField, EncryptionContextField, GrantTokensField, KeyIdField, RecipientField, refuseRecipient } from './operation.ts';

export const dataKeyInput = {
  KeyId: KeyIdField,
  EncryptionContext: EncryptionContextField,
  NumberOfBytes: S.int({ min: 1, max: 1024 }),
  KeySpec: S.string({ enum: ['AES_256', 'AES_128'] as const }),
  GrantTokens: GrantTokensField,
  DryRun: DryRunField,
};

/** GenerateDataKey and GenerateDataKeyWithoutPlaintext share everything but the plaintext in the answer. */
export function runGenerateDataKey({ core, call }: OpContext, i: Infer<typeof dataKeyInput>, withPlaintext: boolean) {
  return generateDataKey(core, call, {
    keyId: i.KeyId,
    ...(i.KeySpec !== undefined ? { keySpec: i.KeySpec } : {}),
    ...(i.NumberOfBytes !== undefined ? { numberOfBytes: i.NumberOfBytes } : {}),
    ...(i.EncryptionContext ? { context: i.EncryptionContext } : {}),
    ...(i.DryRun ? { dryRun: true } : {}),
  }, withPlaintext);
}

export default defineOperation({ name: 'GenerateDataKey', traits: TRAITS.crypto }, 
  { ...dataKeyInput, Recipient: RecipientField },
  async (ctx, i) => {
    refuseRecipient(i.Recipient);
    const r = await runGenerateDataKey(ctx, i, true);
    return { CiphertextBlob: r.blob, Plaintext: r.plaintext, KeyId: r.key.arn, KeyMaterialId: r.materialId };
  },
);
