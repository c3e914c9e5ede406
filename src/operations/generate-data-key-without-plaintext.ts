import { TRAITS } from '../domain/operation.ts';
import { assertBytesOrSpec } from '../domain/crypto-ops.ts';
import { dataKeyInput, dataKeyUse, runGenerateDataKey } from './generate-data-key.ts';
import { defineOperation } from './operation.ts';

export default defineOperation(
  {
    name: 'GenerateDataKeyWithoutPlaintext',
    traits: TRAITS.crypto,
    key: dataKeyUse('kms:GenerateDataKeyWithoutPlaintext'),
    check: (i) => assertBytesOrSpec({ keySpec: i.KeySpec, numberOfBytes: i.NumberOfBytes }),
  },
  dataKeyInput,
  async (ctx, i, key) => {
    const r = await runGenerateDataKey(ctx, i, key);
    r.plaintext.fill(0);
    return { CiphertextBlob: r.blob, KeyId: r.key.arn, KeyMaterialId: r.materialId };
  },
);
