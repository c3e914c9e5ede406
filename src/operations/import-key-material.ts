import { TRAITS } from '../domain/operation.ts';
import { checkImportRequest, importConditions, importKeyMaterial } from '../domain/import.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, KeyIdField } from './operation.ts';

/** BackingKeyIdType: 64 lowercase hex characters. */
export const KeyMaterialIdField = S.string({ min: 64, max: 64, pattern: '^[a-f0-9]+$' });

export default defineOperation(
  {
    name: 'ImportKeyMaterial',
    traits: TRAITS.write,
    // Origin and state are the domain's checks, with their own messages, after authorization.
    key: {
      member: 'KeyId',
      alias: false,
      action: 'kms:ImportKeyMaterial',
      state: 'any',
      conditions: (i) => importConditions({ expirationModel: i.ExpirationModel, validTo: i.ValidTo }),
    },
    check: (i) => checkImportRequest({ expirationModel: i.ExpirationModel, validTo: i.ValidTo, importType: i.ImportType, keyMaterialId: i.KeyMaterialId }),
  },
  {
    KeyId: KeyIdField,
    ImportToken: S.blob({ required: true, min: 1, max: 6144 }),
    EncryptedKeyMaterial: S.blob({ required: true, min: 1, max: 6144 }),
    ValidTo: S.timestamp(),
    ExpirationModel: S.string({ enum: ['KEY_MATERIAL_EXPIRES', 'KEY_MATERIAL_DOES_NOT_EXPIRE'] as const }),
    ImportType: S.string({ enum: ['NEW_KEY_MATERIAL', 'EXISTING_KEY_MATERIAL'] as const }),
    KeyMaterialDescription: S.string({ min: 0, max: 256, pattern: '^[a-zA-Z0-9:/_\\s.-]+$' }),
    KeyMaterialId: KeyMaterialIdField,
  },
  async ({ core }, i, key) => {
    const r = await importKeyMaterial(core, key, {
      importToken: i.ImportToken,
      encryptedKeyMaterial: i.EncryptedKeyMaterial,
      ...(i.ValidTo !== undefined ? { validTo: i.ValidTo } : {}),
      ...(i.ExpirationModel !== undefined ? { expirationModel: i.ExpirationModel } : {}),
      ...(i.ImportType !== undefined ? { importType: i.ImportType } : {}),
      ...(i.KeyMaterialDescription !== undefined ? { keyMaterialDescription: i.KeyMaterialDescription } : {}),
      ...(i.KeyMaterialId !== undefined ? { keyMaterialId: i.KeyMaterialId } : {}),
    });
    return { KeyId: r.key.arn, KeyMaterialId: r.materialId };
  },
);
