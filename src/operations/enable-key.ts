import { TRAITS } from '../domain/operation.ts';
import { enableKey } from '../domain/lifecycle.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation({ name: 'EnableKey', traits: TRAITS.write }, { KeyId: KeyIdField }, async ({ core, call }, i) => {
  await enableKey(core, call, i.KeyId);
  return {};
});
