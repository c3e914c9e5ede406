import { TRAITS } from '../domain/operation.ts';
import { updateKeyDescription } from '../domain/lifecycle.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation(
  {
    name: 'UpdateKeyDescription',
    traits: TRAITS.write,
    key: { member: 'KeyId', alias: false, action: 'kms:UpdateKeyDescription', state: 'manage' },
  },
  { KeyId: KeyIdField, Description: S.string({ required: true, min: 0, max: 8192 }) },
  async ({ core }, i, key) => {
    await updateKeyDescription(core, key, i.Description);
    return {};
  },
);
