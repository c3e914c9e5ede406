import { TRAITS } from '../domain/operation.ts';
import { WRAPPING_ALGORITHMS, WRAPPING_KEY_SPECS } from '../crypto/import-wrapping.ts';
import { getParametersForImport } from '../domain/import.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation(
  {
    name: 'GetParametersForImport',
    traits: TRAITS.read,
    // "Specify the key ID or key ARN of the KMS key": no aliases. Origin and state are the domain's
    // checks, with their own messages, after authorization.
    key: {
      member: 'KeyId',
      alias: false,
      action: 'kms:GetParametersForImport',
      state: 'any',
      conditions: (i) => ({ 'kms:WrappingAlgorithm': i.WrappingAlgorithm, 'kms:WrappingKeySpec': i.WrappingKeySpec }),
    },
  },
  {
    KeyId: KeyIdField,
    WrappingAlgorithm: S.string({ required: true, enum: WRAPPING_ALGORITHMS }),
    WrappingKeySpec: S.string({ required: true, enum: WRAPPING_KEY_SPECS }),
  },
  async ({ core }, i, key) => {
    const r = await getParametersForImport(core, key, { wrappingAlgorithm: i.WrappingAlgorithm, wrappingKeySpec: i.WrappingKeySpec });
    return { KeyId: r.key.arn, ImportToken: r.importToken, PublicKey: r.publicKey, ParametersValidTo: new Date(r.validTo) };
  },
);
