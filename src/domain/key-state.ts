/**
 * The key-state table ("Key states of AWS KMS keys", AWS KMS developer guide): which operations a
 * key in each state allows, and the error AWS answers otherwise.
 */
import { DisabledException, KMSInvalidStateException } from '../shared/errors.ts';
import type { KeyRecord, KeyState } from './types.ts';

/**
 * - crypto: Encrypt, Decrypt, ReEncrypt, GenerateDataKey*, Sign, Verify, Mac, GetPublicKey, CreateGrant,
 *   ReplicateKey, UpdatePrimaryRegion
 * - toggle: EnableKey, DisableKey
 * - schedule: ScheduleKeyDeletion
 * - manage: CreateAlias (target), TagResource, UntagResource, UpdateKeyDescription
 * - any: DescribeKey, GetKeyPolicy, PutKeyPolicy, List*, DeleteAlias — "ok in all states"
 *
 * PendingReplicaDeletion (a multi-Region primary whose deletion waits for its replicas) refuses
 * every class but `any` with "<arn> is pending replica deletion." (KMSInvalidStateException);
 * CancelKeyDeletion takes it back to Disabled, as from PendingDeletion (lifecycle.ts).
 */
export type StateClass = 'crypto' | 'toggle' | 'schedule' | 'manage' | 'any';

const STATE_WORDS: Record<KeyState, string> = {
  Enabled: 'enabled',
  Disabled: 'disabled',
  PendingDeletion: 'pending deletion',
  PendingImport: 'pending import',
  PendingReplicaDeletion: 'pending replica deletion',
  Unavailable: 'unavailable',
  Creating: 'creating',
  Updating: 'updating',
};

/** PendingDeletion, or PendingReplicaDeletion (a multi-Region primary waiting for its replicas). */
export function isPendingDeletion(key: KeyRecord): boolean {
  return key.state === 'PendingDeletion' || key.state === 'PendingReplicaDeletion';
}

export function invalidState(key: KeyRecord): KMSInvalidStateException {
  return new KMSInvalidStateException(`${key.arn} is ${STATE_WORDS[key.state]}.`);
}

export function assertState(key: KeyRecord, cls: StateClass): void {
  if (cls === 'any') return;
  const s = key.state;
  switch (cls) {
    case 'crypto':
      if (s === 'Enabled' || s === 'Updating') return;
      // "DisabledException: <arn> is disabled." — key-state table, Disabled column.
      if (s === 'Disabled') throw new DisabledException(`${key.arn} is disabled.`);
      throw invalidState(key);
    case 'toggle':
      if (s === 'Enabled' || s === 'Disabled') return;
      throw invalidState(key);
    case 'schedule':
      if (s === 'Enabled' || s === 'Disabled' || s === 'PendingImport') return;
      throw invalidState(key);
    case 'manage':
      if (isPendingDeletion(key)) throw invalidState(key);
      return;
  }
}
