import { TRAITS } from '../domain/operation.ts';
import { verifyMac } from '../domain/mac.ts';
import { S } from '../shared/validate.ts';
import { MacAlgorithmField } from './generate-mac.ts';
import { defineOperation, DryRunField, GrantTokensField, KeyIdField } from './operation.ts';
import { MessageField } from './sign.ts';

export default defineOperation({ name: 'VerifyMac', traits: TRAITS.crypto }, 
  { Message: MessageField, KeyId: KeyIdField, MacAlgorithm: MacAlgorithmField, Mac: S.blob({ required: true, min: 1, max: 6144 }), GrantTokens: GrantTokensField, DryRun: DryRunField },
  async ({ core, call }, i) => {
    try {
      const r = await verifyMac(core, call, {
        keyId: i.KeyId,
        message: i.Message,
        algorithm: i.MacAlgorithm,
        mac: i.Mac,
        ...(i.GrantTokens ? { grantTokens: i.GrantTokens } : {}),
        ...(i.DryRun ? { dryRun: true } : {}),
      });
      return { KeyId: r.key.arn, MacValid: true, MacAlgorithm: i.MacAlgorithm };
    } finally {
      i.Message.fill(0);
    }
  },
);
