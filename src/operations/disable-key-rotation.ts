import { disableKeyRotation } from '../domain/rotation.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation({ KeyId: KeyIdField }, async ({ core, call }, i) => {
  await disableKeyRotation(core, call, i.KeyId);
  return {};
});
