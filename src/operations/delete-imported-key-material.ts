import { TRAITS } from '../domain/operation.ts';
import { deleteImportedKeyMaterial } from '../domain/import.ts';
import { defineOperation, KeyIdField } from './operation.ts';
import { KeyMaterialIdField } from './import-key-material.ts';

export default defineOperation({ name: 'DeleteImportedKeyMaterial', traits: TRAITS.write }, { KeyId: KeyIdField, KeyMaterialId: KeyMaterialIdField }, async ({ core, call }, i) => {
  const r = await deleteImportedKeyMaterial(core, call, { keyId: i.KeyId, ...(i.KeyMaterialId !== undefined ? { keyMaterialId: i.KeyMaterialId } : {}) });
  return { KeyId: r.key.arn, ...(r.materialId !== undefined ? { KeyMaterialId: r.materialId } : {}) };
});
