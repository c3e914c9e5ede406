import { TRAITS, type KeyUse } from '../domain/operation.ts';
import { MESSAGE_TYPES, SIGNING_ALGORITHMS, type MessageType, type SigningAlgorithm } from '../crypto/key-specs.ts';
import { sign } from '../domain/signing.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, DryRunField, GrantTokensField, KeyIdField } from './operation.ts';

export const MessageField = S.blob({ required: true, min: 1, max: 4096, sensitive: true });
export const MessageTypeField = S.string({ enum: MESSAGE_TYPES });
export const SigningAlgorithmField = S.string({ required: true, enum: SIGNING_ALGORITHMS });

/** The key of Sign and Verify (`action`: the operation's); kms:MessageType is RAW when absent. */
export function signingKeyUse<I extends { KeyId: string; SigningAlgorithm: SigningAlgorithm; MessageType?: MessageType | undefined }>(action: string): KeyUse<I> {
  return {
    member: 'KeyId',
    alias: true,
    action,
    state: 'crypto',
    usage: 'SIGN_VERIFY',
    conditions: (i) => ({ 'kms:SigningAlgorithm': i.SigningAlgorithm, 'kms:MessageType': i.MessageType ?? 'RAW' }),
  };
}

export default defineOperation(
  { name: 'Sign', traits: TRAITS.crypto, key: signingKeyUse('kms:Sign'), scrub: (i) => i.Message.fill(0) },
  { KeyId: KeyIdField, Message: MessageField, MessageType: MessageTypeField, GrantTokens: GrantTokensField, SigningAlgorithm: SigningAlgorithmField, DryRun: DryRunField },
  async ({ core }, i, key) => {
    const signature = await sign(core, key, {
      message: i.Message,
      algorithm: i.SigningAlgorithm,
      ...(i.MessageType !== undefined ? { messageType: i.MessageType } : {}),
      ...(i.DryRun ? { dryRun: true } : {}),
    });
    return { KeyId: key.arn, Signature: signature, SigningAlgorithm: i.SigningAlgorithm };
  },
);
