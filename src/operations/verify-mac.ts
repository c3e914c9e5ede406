import { TRAITS } from '../domain/operation.ts';
import { verifyMac } from '../domain/mac.ts';
import { S } from '../shared/validate.ts';
import { MacAlgorithmField, macKeyUse } from './generate-mac.ts';
import { defineOperation, DryRunField, GrantTokensField, KeyIdField } from './operation.ts';
import { MessageField } from './sign.ts';

export default defineOperation(
  { name: 'VerifyMac', traits: TRAITS.crypto, key: macKeyUse('kms:VerifyMac'), scrub: (i) => i.Message.fill(0) },
  { Message: MessageField, KeyId: KeyIdField, MacAlgorithm: MacAlgorithmField, Mac: S.blob({ required: true, min: 1, max: 6144 }), GrantTokens: GrantTokensField, DryRun: DryRunField },
  async ({ core }, i, key) => {
    await verifyMac(core, key, { message: i.Message, algorithm: i.MacAlgorithm, mac: i.Mac, ...(i.DryRun ? { dryRun: true } : {}) });
    return { KeyId: key.arn, MacValid: true, MacAlgorithm: i.MacAlgorithm };
  },
);
