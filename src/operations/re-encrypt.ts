import { TRAITS } from '../domain/operation.ts';
import { dryRunWithoutCiphertext, reEncrypt } from '../domain/crypto-ops.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, DryRunField, DryRunModifiersField, EncryptionAlgorithmField, EncryptionContextField, GrantTokensField, KeyIdField, OptionalKeyIdField, ignoresCiphertext, requireCiphertext } from './operation.ts';

export default defineOperation({ name: 'ReEncrypt', traits: TRAITS.crypto }, 
  {
    CiphertextBlob: S.blob({ min: 1, max: 6144 }),
    SourceEncryptionContext: EncryptionContextField,
    SourceKeyId: OptionalKeyIdField,
    DestinationKeyId: KeyIdField,
    DestinationEncryptionContext: EncryptionContextField,
    SourceEncryptionAlgorithm: EncryptionAlgorithmField,
    DestinationEncryptionAlgorithm: EncryptionAlgorithmField,
    GrantTokens: GrantTokensField,
    DryRun: DryRunField,
    DryRunModifiers: DryRunModifiersField,
  },
  async ({ core, call }, i) => {
    if (ignoresCiphertext(i)) {
      await dryRunWithoutCiphertext(core, call, 'ReEncrypt', [
        { keyId: i.SourceKeyId, member: 'SourceKeyId', action: 'kms:ReEncryptFrom', ...(i.SourceEncryptionContext ? { context: i.SourceEncryptionContext } : {}), ...(i.SourceEncryptionAlgorithm ? { algorithm: i.SourceEncryptionAlgorithm } : {}) },
        { keyId: i.DestinationKeyId, member: 'DestinationKeyId', action: 'kms:ReEncryptTo', ...(i.DestinationEncryptionContext ? { context: i.DestinationEncryptionContext } : {}), ...(i.DestinationEncryptionAlgorithm ? { algorithm: i.DestinationEncryptionAlgorithm } : {}) },
      ]);
    }
    const { source, sealed } = await reEncrypt(core, call, {
      blob: requireCiphertext(i.CiphertextBlob),
      ...(i.SourceKeyId !== undefined ? { sourceKeyId: i.SourceKeyId } : {}),
      ...(i.SourceEncryptionContext ? { sourceContext: i.SourceEncryptionContext } : {}),
      ...(i.SourceEncryptionAlgorithm ? { sourceAlgorithm: i.SourceEncryptionAlgorithm } : {}),
      destinationKeyId: i.DestinationKeyId,
      ...(i.DestinationEncryptionContext ? { destinationContext: i.DestinationEncryptionContext } : {}),
      ...(i.DestinationEncryptionAlgorithm ? { destinationAlgorithm: i.DestinationEncryptionAlgorithm } : {}),
      ...(i.DryRun ? { dryRun: true } : {}),
    });
    return {
      CiphertextBlob: sealed.blob,
      SourceKeyId: source.key.arn,
      KeyId: sealed.key.arn,
      SourceEncryptionAlgorithm: source.algorithm ?? 'SYMMETRIC_DEFAULT',
      DestinationEncryptionAlgorithm: sealed.algorithm ?? 'SYMMETRIC_DEFAULT',
      ...(source.algorithm ? {} : { SourceKeyMaterialId: source.materialId }),
      ...(sealed.algorithm ? {} : { DestinationKeyMaterialId: sealed.materialId }),
    };
  },
);
