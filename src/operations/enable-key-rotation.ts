import { TRAITS } from '../domain/operation.ts';
import { enableKeyRotation, rotationPeriodInDays } from '../domain/rotation.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation(
  {
    name: 'EnableKeyRotation',
    traits: TRAITS.write,
    // The key's spec, origin, Region role and state are checked after authorization (rotation.ts).
    key: {
      member: 'KeyId',
      alias: false,
      action: 'kms:EnableKeyRotation',
      state: 'any',
      conditions: (i) => ({ 'kms:RotationPeriodInDays': String(rotationPeriodInDays(i.RotationPeriodInDays)) }),
    },
  },
  { KeyId: KeyIdField, RotationPeriodInDays: S.int({ min: 90, max: 2560 }) },
  async ({ core }, i, key) => {
    await enableKeyRotation(core, key, i.RotationPeriodInDays);
    return {};
  },
);
