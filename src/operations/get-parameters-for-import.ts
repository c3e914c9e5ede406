import { TRAITS } from '../domain/operation.ts';
import { WRAPPING_ALGORITHMS, WRAPPING_KEY_SPECS } from '../crypto/import-wrapping.ts';
import { getParametersForImport } from '../domain/import.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation({ name: 'GetParametersForImport', traits: TRAITS.read }, 
  {
    KeyId: KeyIdField,
    WrappingAlgorithm: S.string({ required: true, enum: WRAPPING_ALGORITHMS }),
    WrappingKeySpec: S.string({ required: true, enum: WRAPPING_KEY_SPECS }),
  },
  async ({ core, call }, i) => {
    const r = await getParametersForImport(core, call, { keyId: i.KeyId, wrappingAlgorithm: i.WrappingAlgorithm, wrappingKeySpec: i.WrappingKeySpec });
    return { KeyId: r.key.arn, ImportToken: r.importToken, PublicKey: r.publicKey, ParametersValidTo: new Date(r.validTo) };
  },
);
