/**
 * Key rotation: automatic (EnableKeyRotation, on AWS's schedule) and on demand. New encryptions
 * use the current material; every older material stays for decryption until the key is deleted.
 */
import { DisabledException, KMSInvalidStateException, LimitExceededException, UnsupportedOperationException } from '../shared/errors.ts';
import type { Core } from './core.ts';
import { materialsInRegion } from './imported-materials.ts';
import { assertState, invalidState } from './key-state.ts';
import { decodeMarker, encodeMarker } from './lifecycle.ts';
import { assertNotReplica, syncReplicas } from './multi-region.ts';
import type { KeyRecord, MaterialRecord } from './types.ts';

export const DAY_MS = 86_400_000;
/** "You can perform on-demand rotation of key material up to 25 times per key" (RotateKeyOnDemand reference, 2026). */
export const MAX_ON_DEMAND_ROTATIONS = 25;

/** Rotation is for symmetric encryption keys with key material AWS KMS generated (EnableKeyRotation reference). */
function assertRotatable(key: KeyRecord): void {
  if (key.origin !== 'AWS_KMS') throw new UnsupportedOperationException(`${key.arn} origin is ${key.origin} which is not valid for this operation.`);
  if (key.keySpec !== 'SYMMETRIC_DEFAULT') {
    throw new UnsupportedOperationException('You cannot perform this operation on a non-symmetric key or a key with non-ENCRYPT_DECRYPT key usage.');
  }
}

/** Enable/DisableKeyRotation and RotateKeyOnDemand need an enabled key. */
function assertEnabled(key: KeyRecord): void {
  if (key.state === 'Disabled') throw new DisabledException(`${key.arn} is disabled.`);
  if (key.state !== 'Enabled') throw invalidState(key);
}

/** "RotationPeriodInDays … Default: 365" (EnableKeyRotation reference). */
export const rotationPeriodInDays = (days: number | undefined): number => days ?? 365;

export async function enableKeyRotation(core: Core, key: KeyRecord, periodDays: number | undefined): Promise<void> {
  const period = rotationPeriodInDays(periodDays);
  assertRotatable(key);
  // A multi-Region key's rotation is managed on its primary and shared by its replicas: a replica refuses.
  assertNotReplica(key);
  assertEnabled(key);
  const now = core.now();
  const next = await core.mutate(key, (k) => {
    assertEnabled(k);
    // "The first automatic rotation happens RotationPeriodInDays after you enable rotation";
    // changing the period of an enabled key moves the next date relative to the last anchor.
    const anchor = k.rotation.enabled && k.rotation.nextRotationAt !== undefined && k.rotation.periodDays !== undefined
      ? k.rotation.nextRotationAt - k.rotation.periodDays * DAY_MS
      : now;
    return { ...k, rotation: { ...k.rotation, enabled: true, periodDays: period, nextRotationAt: anchor + period * DAY_MS } };
  });
  await syncReplicas(core, next);
}

export async function disableKeyRotation(core: Core, key: KeyRecord): Promise<void> {
  assertRotatable(key);
  assertNotReplica(key);
  assertEnabled(key);
  const next = await core.mutate(key, (k) => {
    const { nextRotationAt: _n, periodDays: _p, ...rest } = k.rotation;
    return { ...k, rotation: { ...rest, enabled: false } };
  });
  await syncReplicas(core, next);
}

/** The key's rotation settings, for a rotatable key not pending deletion (checked in that order). */
export function getKeyRotationStatus(key: KeyRecord): KeyRecord['rotation'] {
  assertRotatable(key);
  assertState(key, 'manage');
  return key.rotation;
}

/** Adds a new current material to the key, in one transaction with the key row. */
async function addRotation(core: Core, key: KeyRecord, type: 'AUTOMATIC' | 'ON_DEMAND', at: number, change: (k: KeyRecord) => KeyRecord): Promise<KeyRecord> {
  const { record, plain } = core.newSymmetricMaterial(key.keyId, type);
  const material: MaterialRecord = { ...record, createdAt: at };
  const next: KeyRecord = { ...change(structuredClone(key)), currentMaterialId: material.materialId, version: key.version + 1 };
  await core.store.addMaterial(next, key.version, material);
  core.cacheMaterial(key.keyId, material.materialId, plain);
  // A multi-Region primary's replicas share the material; they make it current too.
  await syncReplicas(core, next);
  return next;
}

export async function rotateKeyOnDemand(core: Core, key: KeyRecord): Promise<KeyRecord> {
  // Another change to the key (a tag, a policy, an automatic rotation) may commit between this
  // read and the write: decide again on the fresh key.
  return core.onFreshKey(key, (current) => rotateOnce(core, current));
}

async function rotateOnce(core: Core, key: KeyRecord): Promise<KeyRecord> {
  if (key.keySpec !== 'SYMMETRIC_DEFAULT') throw new UnsupportedOperationException('');
  if (key.origin === 'EXTERNAL') return rotateToImported(core, key);
  assertRotatable(key);
  assertNotReplica(key);
  assertEnabled(key);
  assertOnDemandLeft(key);
  const now = core.now();
  // On-demand rotation "doesn't change the automatic rotation schedule".
  return addRotation(core, key, 'ON_DEMAND', now, (k) => ({ ...k, rotation: { ...k.rotation, onDemandCount: k.rotation.onDemandCount + 1 } }));
}

function assertOnDemandLeft(key: KeyRecord): void {
  if (key.rotation.onDemandCount >= MAX_ON_DEMAND_ROTATIONS) {
    throw new LimitExceededException(`The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: ${key.arn}`);
  }
}

/**
 * On-demand rotation of a key with imported material: "you must have already imported new key
 * material and that key material's state should be PENDING_ROTATION" (RotateKeyOnDemand
 * reference). The pending material becomes current; the previous one stays for decryption.
 */
async function rotateToImported(core: Core, key: KeyRecord): Promise<KeyRecord> {
  assertEnabled(key); // recorded: a key without material answers "<arn> is pending import."
  // A multi-Region key rotates on its primary; Trent's have no second material to rotate to (import.ts).
  assertNotReplica(key);
  assertOnDemandLeft(key);
  const pending = (await core.store.listMaterials(key.keyId)).find((m) => m.imported?.pendingRotation && m.imported.importState === 'IMPORTED');
  // Recorded against AWS.
  if (!pending) throw new KMSInvalidStateException(`No available key material pending rotation for the key: ${key.arn}.`);
  const now = core.now();
  const { pendingRotation: _p, ...imported } = pending.imported!;
  const material: MaterialRecord = { ...pending, rotationType: 'ON_DEMAND', rotatedAt: now, imported };
  const next: KeyRecord = {
    ...structuredClone(key),
    currentMaterialId: pending.materialId,
    rotation: { ...key.rotation, onDemandCount: key.rotation.onDemandCount + 1 },
    version: key.version + 1,
  };
  await core.store.putMaterials(next, key.version, [material]);
  return next;
}

/** Pure: is automatic rotation due for this key at `now`? Disabled keys are not rotated while disabled. */
export function isRotationDue(now: number, key: KeyRecord): boolean {
  return key.state === 'Enabled' && key.rotation.enabled && key.multiRegionKeyType !== 'REPLICA' && key.rotation.nextRotationAt !== undefined && key.rotation.nextRotationAt <= now;
}

/** Pure: is this key's deletion date past? */
export function isDeletionDue(now: number, key: KeyRecord): boolean {
  return key.state === 'PendingDeletion' && key.deletionDate !== undefined && key.deletionDate <= now;
}

/**
 * One automatic rotation for the due date that has passed (idempotent: the optimistic version
 * check means two processes cannot both rotate for the same date). Returns the new record.
 */
export async function rotateAutomatically(core: Core, key: KeyRecord): Promise<KeyRecord> {
  const due = key.rotation.nextRotationAt!;
  const period = (key.rotation.periodDays ?? 365) * DAY_MS;
  return addRotation(core, key, 'AUTOMATIC', due, (k) => ({ ...k, rotation: { ...k.rotation, nextRotationAt: due + period } }));
}

export async function listKeyRotations(core: Core, key: KeyRecord, p: { limit: number; marker?: string; includeKeyMaterial?: 'ALL_KEY_MATERIAL' | 'ROTATIONS_ONLY' }): Promise<{ rotations: MaterialRecord[]; next?: string }> {
  // Symmetric keys with imported material rotate on demand, so they list their materials too.
  if (!(key.origin === 'EXTERNAL' && key.keySpec === 'SYMMETRIC_DEFAULT')) assertRotatable(key);
  const start = p.marker !== undefined ? Number(decodeMarker(p.marker, (s) => /^\d{1,6}$/.test(s))) : 0;
  const all = materialsInRegion(key, await core.store.listMaterials(key.keyId)).filter((m) => p.includeKeyMaterial === 'ALL_KEY_MATERIAL' || m.rotationType !== undefined);
  const rotations = all.slice(start, start + p.limit);
  const more = start + p.limit < all.length;
  return { rotations, ...(more ? { next: encodeMarker(String(start + p.limit)) } : {}) };
}
