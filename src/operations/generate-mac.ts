import { TRAITS } from '../domain/operation.ts';
import { MAC_ALGORITHMS } from '../crypto/key-specs.ts';
import { generateMac } from '../domain/mac.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, DryRunField, GrantTokensField, KeyIdField } from './operation.ts';
import { MessageField } from './sign.ts';

export const MacAlgorithmField = S.string({ required: true, enum: MAC_ALGORITHMS });

export default defineOperation({ name: 'GenerateMac', traits: TRAITS.crypto }, 
  { Message: MessageField, KeyId: KeyIdField, MacAlgorithm: MacAlgorithmField, GrantTokens: GrantTokensField, DryRun: DryRunField },
  async ({ core, call }, i) => {
    try {
      const r = await generateMac(core, call, {
        keyId: i.KeyId,
        message: i.Message,
        algorithm: i.MacAlgorithm,
        ...(i.GrantTokens ? { grantTokens: i.GrantTokens } : {}),
        ...(i.DryRun ? { dryRun: true } : {}),
      });
      return { Mac: r.mac, MacAlgorithm: i.MacAlgorithm, KeyId: r.key.arn };
    } finally {
      i.Message.fill(0);
    }
  },
);
