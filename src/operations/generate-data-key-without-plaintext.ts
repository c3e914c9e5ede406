import { TRAITS } from '../domain/operation.ts';
import { dataKeyInput, runGenerateDataKey } from './generate-data-key.ts';
import { defineOperation } from './operation.ts';

export default defineOperation({ name: 'GenerateDataKeyWithoutPlaintext', traits: TRAITS.crypto }, dataKeyInput, async (ctx, i) => {
  const r = await runGenerateDataKey(ctx, i, false);
  r.plaintext.fill(0);
  return { CiphertextBlob: r.blob, KeyId: r.key.arn, KeyMaterialId: r.materialId };
});
