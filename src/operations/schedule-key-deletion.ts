import { TRAITS } from '../domain/operation.ts';
import { pendingWindowInDays, scheduleKeyDeletion } from '../domain/lifecycle.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation(
  {
    name: 'ScheduleKeyDeletion',
    traits: TRAITS.write,
    key: {
      member: 'KeyId',
      alias: false,
      action: 'kms:ScheduleKeyDeletion',
      state: 'schedule',
      conditions: (i) => ({ 'kms:ScheduleKeyDeletionPendingWindowInDays': String(pendingWindowInDays(i.PendingWindowInDays)) }),
    },
    check: (i) => void pendingWindowInDays(i.PendingWindowInDays),
  },
  { KeyId: KeyIdField, PendingWindowInDays: S.int({ min: 1, max: 365 }) },
  async ({ core }, i, key) => {
    const k = await scheduleKeyDeletion(core, key, i.PendingWindowInDays);
    // A multi-Region primary waiting for its replicas (PendingReplicaDeletion) has no DeletionDate yet.
    return { KeyId: k.arn, ...(k.deletionDate !== undefined ? { DeletionDate: new Date(k.deletionDate) } : {}), KeyState: k.state, PendingWindowInDays: k.pendingWindowInDays };
  },
);
