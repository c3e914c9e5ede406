import { TRAITS } from '../domain/operation.ts';
import { rotateKeyOnDemand } from '../domain/rotation.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation(
  {
    name: 'RotateKeyOnDemand',
    traits: TRAITS.write,
    // The key's spec, origin, Region role and state are decided on the fresh key at the write (rotation.ts).
    key: { member: 'KeyId', alias: false, action: 'kms:RotateKeyOnDemand', state: 'any' },
  },
  { KeyId: KeyIdField },
  async ({ core }, _i, key) => {
    const k = await rotateKeyOnDemand(core, key);
    return { KeyId: k.keyId };
  },
);
