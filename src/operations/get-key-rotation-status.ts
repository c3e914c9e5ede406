import { TRAITS } from '../domain/operation.ts';
import { getKeyRotationStatus } from '../domain/rotation.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation(
  {
    name: 'GetKeyRotationStatus',
    traits: TRAITS.read,
    // A key that cannot rotate is refused before its state is looked at (rotation.ts).
    key: { member: 'KeyId', alias: false, action: 'kms:GetKeyRotationStatus', state: 'any' },
  },
  { KeyId: KeyIdField },
  async (_ctx, _i, key) => {
    const r = getKeyRotationStatus(key);
    return {
      KeyRotationEnabled: r.enabled,
      KeyId: key.arn,
      ...(r.enabled && r.periodDays !== undefined ? { RotationPeriodInDays: r.periodDays } : {}),
      ...(r.enabled && r.nextRotationAt !== undefined ? { NextRotationDate: new Date(r.nextRotationAt) } : {}),
      ...(r.onDemandStartedAt !== undefined ? { OnDemandRotationStartDate: new Date(r.onDemandStartedAt) } : {}),
    };
  },
);
