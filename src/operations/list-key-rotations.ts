import { TRAITS } from '../domain/operation.ts';
import { listKeyRotations } from '../domain/rotation.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, KeyIdField, LimitField, MarkerField } from './operation.ts';

export default defineOperation(
  {
    name: 'ListKeyRotations',
    traits: TRAITS.read,
    // Whether the key has rotations to list, and the Marker, are checked after authorization (rotation.ts).
    key: { member: 'KeyId', alias: false, action: 'kms:ListKeyRotations', state: 'any' },
  },
  { KeyId: KeyIdField, Limit: LimitField, Marker: MarkerField, IncludeKeyMaterial: S.string({ enum: ['ALL_KEY_MATERIAL', 'ROTATIONS_ONLY'] as const }) },
  async ({ core }, i, key) => {
    const page = await listKeyRotations(core, key, {
      limit: i.Limit ?? 100,
      ...(i.Marker !== undefined ? { marker: i.Marker } : {}),
      ...(i.IncludeKeyMaterial !== undefined ? { includeKeyMaterial: i.IncludeKeyMaterial } : {}),
    });
    return {
      Rotations: page.rotations.map((m) => ({
        KeyId: key.keyId,
        KeyMaterialId: m.materialId,
        // KeyMaterialDescription, ImportState, ExpirationModel, ValidTo: "only present for symmetric encryption KMS keys with EXTERNAL origin".
        ...(m.imported?.description !== undefined ? { KeyMaterialDescription: m.imported.description } : {}),
        ...(m.imported ? { ImportState: m.imported.importState } : {}),
        KeyMaterialState: m.materialId === key.currentMaterialId ? 'CURRENT' : m.imported?.pendingRotation ? 'PENDING_ROTATION' : 'NON_CURRENT',
        ...(m.imported?.expirationModel !== undefined ? { ExpirationModel: m.imported.expirationModel } : {}),
        ...(m.imported?.validTo !== undefined ? { ValidTo: new Date(m.imported.validTo) } : {}),
        // "This field is not present for the first key material or an imported key material in PENDING_ROTATION state."
        ...(m.rotationType ? { RotationDate: new Date(m.rotatedAt ?? m.createdAt), RotationType: m.rotationType } : {}),
      })),
      Truncated: page.next !== undefined,
      ...(page.next !== undefined ? { NextMarker: page.next } : {}),
    };
  },
);
