import { TRAITS } from '../domain/operation.ts';
import { disableKeyRotation } from '../domain/rotation.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation(
  {
    name: 'DisableKeyRotation',
    traits: TRAITS.write,
    // The key's spec, origin, Region role and state are checked after authorization (rotation.ts).
    key: { member: 'KeyId', alias: false, action: 'kms:DisableKeyRotation', state: 'any' },
  },
  { KeyId: KeyIdField },
  async ({ core }, _i, key) => {
    await disableKeyRotation(core, key);
    return {};
  },
);
