import { listKeyRotations } from '../domain/rotation.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, KeyIdField, LimitField, MarkerField } from './operation.ts';

export default defineOperation(
  { KeyId: KeyIdField, Limit: LimitField, Marker: MarkerField, IncludeKeyMaterial: S.string({ enum: ['ALL_KEY_MATERIAL', 'ROTATIONS_ONLY'] as const }) },
  async ({ core, call }, i) => {
    const page = await listKeyRotations(core, call, {
      keyId: i.KeyId,
      limit: i.Limit ?? 100,
      ...(i.Marker !== undefined ? { marker: i.Marker } : {}),
      ...(i.IncludeKeyMaterial !== undefined ? { includeKeyMaterial: i.IncludeKeyMaterial } : {}),
    });
    return {
      Rotations: page.rotations.map((m) => ({
        KeyId: page.key.keyId,
        KeyMaterialId: m.materialId,
        KeyMaterialState: m.materialId === page.key.currentMaterialId ? 'CURRENT' : 'NON_CURRENT',
        ...(m.rotationType ? { RotationDate: new Date(m.createdAt), RotationType: m.rotationType } : {}),
      })),
      Truncated: page.next !== undefined,
      ...(page.next !== undefined ? { NextMarker: page.next } : {}),
    };
  },
);
