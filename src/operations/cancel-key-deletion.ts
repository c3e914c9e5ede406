import { TRAITS } from '../domain/operation.ts';
import { cancelKeyDeletion } from '../domain/lifecycle.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation(
  {
    name: 'CancelKeyDeletion',
    traits: TRAITS.write,
    // The state check is the domain's: "<arn> is not pending deletion." for an enabled or disabled key.
    key: { member: 'KeyId', alias: false, action: 'kms:CancelKeyDeletion', state: 'any' },
  },
  { KeyId: KeyIdField },
  async ({ core }, _i, key) => {
    const k = await cancelKeyDeletion(core, key);
    return { KeyId: k.arn };
  },
);
