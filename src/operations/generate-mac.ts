import { TRAITS, type KeyUse } from '../domain/operation.ts';
import { MAC_ALGORITHMS, type MacAlgorithm } from '../crypto/key-specs.ts';
import { generateMac } from '../domain/mac.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, DryRunField, GrantTokensField, KeyIdField } from './operation.ts';
import { MessageField } from './sign.ts';

export const MacAlgorithmField = S.string({ required: true, enum: MAC_ALGORITHMS });

/** The key of GenerateMac and VerifyMac (`action`: the operation's). */
export function macKeyUse<I extends { KeyId: string; MacAlgorithm: MacAlgorithm }>(action: string): KeyUse<I> {
  return { member: 'KeyId', alias: true, action, state: 'crypto', usage: 'GENERATE_VERIFY_MAC', conditions: (i) => ({ 'kms:MacAlgorithm': i.MacAlgorithm }) };
}

export default defineOperation(
  { name: 'GenerateMac', traits: TRAITS.crypto, key: macKeyUse('kms:GenerateMac'), scrub: (i) => i.Message.fill(0) },
  { Message: MessageField, KeyId: KeyIdField, MacAlgorithm: MacAlgorithmField, GrantTokens: GrantTokensField, DryRun: DryRunField },
  async ({ core }, i, key) => {
    const mac = await generateMac(core, key, { message: i.Message, algorithm: i.MacAlgorithm, ...(i.DryRun ? { dryRun: true } : {}) });
    return { Mac: mac, MacAlgorithm: i.MacAlgorithm, KeyId: key.arn };
  },
);
