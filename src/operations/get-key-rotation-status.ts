import { TRAITS } from '../domain/operation.ts';
import { getKeyRotationStatus } from '../domain/rotation.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation({ name: 'GetKeyRotationStatus', traits: TRAITS.read }, { KeyId: KeyIdField }, async ({ core, call }, i) => {
  const k = await getKeyRotationStatus(core, call, i.KeyId);
  const r = k.rotation;
  return {
    KeyRotationEnabled: r.enabled,
    KeyId: k.arn,
    ...(r.enabled && r.periodDays !== undefined ? { RotationPeriodInDays: r.periodDays } : {}),
    ...(r.enabled && r.nextRotationAt !== undefined ? { NextRotationDate: new Date(r.nextRotationAt) } : {}),
    ...(r.onDemandStartedAt !== undefined ? { OnDemandRotationStartDate: new Date(r.onDemandStartedAt) } : {}),
  };
});
