import { TRAITS } from '../domain/operation.ts';
import { verify } from '../domain/signing.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, DryRunField, GrantTokensField, KeyIdField } from './operation.ts';
import { MessageField, MessageTypeField, SigningAlgorithmField, signingKeyUse } from './sign.ts';

export default defineOperation(
  { name: 'Verify', traits: TRAITS.crypto, key: signingKeyUse('kms:Verify') },
  {
    KeyId: KeyIdField,
    Message: MessageField,
    MessageType: MessageTypeField,
    Signature: S.blob({ required: true, min: 1, max: 6144 }),
    SigningAlgorithm: SigningAlgorithmField,
    GrantTokens: GrantTokensField,
    DryRun: DryRunField,
  },
  async ({ core }, i, key) => {
    await verify(core, key, {
      message: i.Message,
      signature: i.Signature,
      algorithm: i.SigningAlgorithm,
      ...(i.MessageType !== undefined ? { messageType: i.MessageType } : {}),
      ...(i.DryRun ? { dryRun: true } : {}),
    });
    return { KeyId: key.arn, SignatureValid: true, SigningAlgorithm: i.SigningAlgorithm };
  },
);
