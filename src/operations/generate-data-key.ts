import { TRAITS } from '../domain/operation.ts';
import { assertBytesOrSpec, generateDataKey, sealingKeyUse } from '../domain/crypto-ops.ts';
import type { KeyRecord } from '../domain/types.ts';
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

type DataKeyInput = Infer<typeof dataKeyInput>;

/** The key of GenerateDataKey and GenerateDataKeyWithoutPlaintext (`action`: the operation's). */
export const dataKeyUse = (action: string) => sealingKeyUse<DataKeyInput>(action);

/** GenerateDataKey and GenerateDataKeyWithoutPlaintext share everything but the plaintext in the answer. */
export function runGenerateDataKey({ core }: OpContext, i: DataKeyInput, key: KeyRecord) {
  return generateDataKey(core, key, {
    ...(i.KeySpec !== undefined ? { keySpec: i.KeySpec } : {}),
    ...(i.NumberOfBytes !== undefined ? { numberOfBytes: i.NumberOfBytes } : {}),
    ...(i.EncryptionContext ? { context: i.EncryptionContext } : {}),
    ...(i.DryRun ? { dryRun: true } : {}),
  });
}

export default defineOperation(
  {
    name: 'GenerateDataKey',
    traits: TRAITS.crypto,
    key: dataKeyUse('kms:GenerateDataKey'),
    check: (i) => {
      refuseRecipient(i.Recipient);
      assertBytesOrSpec({ keySpec: i.KeySpec, numberOfBytes: i.NumberOfBytes });
    },
  },
  { ...dataKeyInput, Recipient: RecipientField },
  async (ctx, i, key) => {
    const r = await runGenerateDataKey(ctx, i, key);
    return { CiphertextBlob: r.blob, Plaintext: r.plaintext, KeyId: r.key.arn, KeyMaterialId: r.materialId };
  },
);
