import { TRAITS } from '../domain/operation.ts';
import { scheduleKeyDeletion } from '../domain/lifecycle.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation({ name: 'ScheduleKeyDeletion', traits: TRAITS.write }, { KeyId: KeyIdField, PendingWindowInDays: S.int({ min: 1, max: 365 }) }, async ({ core, call }, i) => {
  const key = await scheduleKeyDeletion(core, call, i.KeyId, i.PendingWindowInDays);
  // A multi-Region primary waiting for its replicas (PendingReplicaDeletion) has no DeletionDate yet.
  return { KeyId: key.arn, ...(key.deletionDate !== undefined ? { DeletionDate: new Date(key.deletionDate) } : {}), KeyState: key.state, PendingWindowInDays: key.pendingWindowInDays };
});
