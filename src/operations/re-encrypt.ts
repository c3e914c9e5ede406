import { reEncrypt } from '../domain/crypto-ops.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, DryRunField, DryRunModifiersField, EncryptionAlgorithmField, EncryptionContextField, GrantTokensField, KeyIdField, OptionalKeyIdField, refuseDryRunModifiers } from './operation.ts';

export default defineOperation(
  {
    CiphertextBlob: S.blob({ required: true, min: 1, max: 6144 }),
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
    refuseDryRunModifiers(i.DryRunModifiers);
    const { source, sealed } = await reEncrypt(core, call, {
      blob: i.CiphertextBlob,
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
