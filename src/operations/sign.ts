import { TRAITS } from '../domain/operation.ts';
import { MESSAGE_TYPES, SIGNING_ALGORITHMS } from '../crypto/key-specs.ts';
import { sign } from '../domain/signing.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, DryRunField, GrantTokensField, KeyIdField } from './operation.ts';

export const MessageField = S.blob({ required: true, min: 1, max: 4096, sensitive: true });
export const MessageTypeField = S.string({ enum: MESSAGE_TYPES });
export const SigningAlgorithmField = S.string({ required: true, enum: SIGNING_ALGORITHMS });

export default defineOperation({ name: 'Sign', traits: TRAITS.crypto }, 
  { KeyId: KeyIdField, Message: MessageField, MessageType: MessageTypeField, GrantTokens: GrantTokensField, SigningAlgorithm: SigningAlgorithmField, DryRun: DryRunField },
  async ({ core, call }, i) => {
    try {
      const r = await sign(core, call, {
        keyId: i.KeyId,
        message: i.Message,
        algorithm: i.SigningAlgorithm,
        ...(i.MessageType !== undefined ? { messageType: i.MessageType } : {}),
        ...(i.GrantTokens ? { grantTokens: i.GrantTokens } : {}),
        ...(i.DryRun ? { dryRun: true } : {}),
      });
      return { KeyId: r.key.arn, Signature: r.signature, SigningAlgorithm: i.SigningAlgorithm };
    } finally {
      i.Message.fill(0);
    }
  },
);
