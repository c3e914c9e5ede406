import { generateDataKey } from '../domain/crypto-ops.ts';
import { dataKeyInput } from './generate-data-key.ts';
import { defineOperation } from './operation.ts';

export default defineOperation(dataKeyInput, async ({ core, call }, i) => {
  const r = await generateDataKey(core, call, {
    keyId: i.KeyId,
    ...(i.KeySpec !== undefined ? { keySpec: i.KeySpec } : {}),
    ...(i.NumberOfBytes !== undefined ? { numberOfBytes: i.NumberOfBytes } : {}),
    ...(i.EncryptionContext ? { context: i.EncryptionContext } : {}),
    ...(i.DryRun ? { dryRun: true } : {}),
  }, false);
  r.plaintext.fill(0);
  return { CiphertextBlob: r.blob, KeyId: r.key.arn, KeyMaterialId: r.materialId };
});
