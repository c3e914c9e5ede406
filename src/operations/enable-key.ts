import { enableKey } from '../domain/lifecycle.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation({ KeyId: KeyIdField }, async ({ core, call }, i) => {
  await enableKey(core, call, i.KeyId);
  return {};
});
