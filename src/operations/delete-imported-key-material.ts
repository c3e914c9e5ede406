import { TRAITS } from '../domain/operation.ts';
import { deleteImportedKeyMaterial } from '../domain/import.ts';
import { defineOperation, KeyIdField } from './operation.ts';
import { KeyMaterialIdField } from './import-key-material.ts';

export default defineOperation(
  // The origin is the domain's check, with its own message, after authorization.
  { name: 'DeleteImportedKeyMaterial', traits: TRAITS.write, key: { member: 'KeyId', alias: false, action: 'kms:DeleteImportedKeyMaterial', state: 'any' } },
  { KeyId: KeyIdField, KeyMaterialId: KeyMaterialIdField },
  async ({ core }, i, key) => {
    const r = await deleteImportedKeyMaterial(core, key, { ...(i.KeyMaterialId !== undefined ? { keyMaterialId: i.KeyMaterialId } : {}) });
    return { KeyId: r.key.arn, ...(r.materialId !== undefined ? { KeyMaterialId: r.materialId } : {}) };
  },
);
