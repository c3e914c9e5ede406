import { TRAITS } from '../domain/operation.ts';
import { disableKey } from '../domain/lifecycle.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation({ name: 'DisableKey', traits: TRAITS.write }, { KeyId: KeyIdField }, async ({ core, call }, i) => {
  await disableKey(core, call, i.KeyId);
  return {};
});
