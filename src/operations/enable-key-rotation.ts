import { TRAITS } from '../domain/operation.ts';
import { enableKeyRotation } from '../domain/rotation.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation({ name: 'EnableKeyRotation', traits: TRAITS.write }, { KeyId: KeyIdField, RotationPeriodInDays: S.int({ min: 90, max: 2560 }) }, async ({ core, call }, i) => {
  await enableKeyRotation(core, call, i.KeyId, i.RotationPeriodInDays);
  return {};
});
