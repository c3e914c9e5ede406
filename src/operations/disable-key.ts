import { TRAITS } from '../domain/operation.ts';
import { disableKey } from '../domain/lifecycle.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation(
  {
    name: 'DisableKey',
    traits: TRAITS.write,
    key: { member: 'KeyId', alias: false, action: 'kms:DisableKey', state: 'toggle' },
  },
  { KeyId: KeyIdField },
  async ({ core }, _i, key) => {
    await disableKey(core, key);
    return {};
  },
);
