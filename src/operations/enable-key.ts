import { TRAITS } from '../domain/operation.ts';
import { enableKey } from '../domain/lifecycle.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation(
  {
    name: 'EnableKey',
    traits: TRAITS.write,
    key: { member: 'KeyId', alias: false, action: 'kms:EnableKey', state: 'toggle' },
  },
  { KeyId: KeyIdField },
  async ({ core }, _i, key) => {
    await enableKey(core, key);
    return {};
  },
);
