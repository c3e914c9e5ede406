import { TRAITS } from '../domain/operation.ts';
import { disableKeyRotation } from '../domain/rotation.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation({ name: 'DisableKeyRotation', traits: TRAITS.write }, { KeyId: KeyIdField }, async ({ core, call }, i) => {
  await disableKeyRotation(core, call, i.KeyId);
  return {};
});
