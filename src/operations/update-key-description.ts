import { TRAITS } from '../domain/operation.ts';
import { updateKeyDescription } from '../domain/lifecycle.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation({ name: 'UpdateKeyDescription', traits: TRAITS.write }, { KeyId: KeyIdField, Description: S.string({ required: true, min: 0, max: 8192 }) }, async ({ core, call }, i) => {
  await updateKeyDescription(core, call, i.KeyId, i.Description);
  return {};
});
