/**
 * The jobs KMS runs on its own: deletion at the end of the waiting period, automatic rotation,
 * expiry of imported material at its ValidTo. Deciding is separate from doing: `isRotationDue` /
 * `isDeletionDue` are pure; `runDue` acts, idempotently — a key rotated or deleted by another
 * process (or an earlier run) is simply no longer due when re-read. No read path ever rotates or
 * deletes. The scheduler (scheduler/) only decides when to run them.
 */
import type { Core } from './core.ts';
import { StoreConflictError } from './ports.ts';
import { afterReplicaDeleted } from './multi-region.ts';
import { expireImportedMaterial } from './import.ts';
import { isExpiryDue } from './imported-materials.ts';
import { isDeletionDue, isRotationDue, rotateAutomatically } from './rotation.ts';
import type { KeyRecord } from './types.ts';

/** Key ids (a multi-Region key's Regions each count). */
export interface RunResult {
  rotated: string[];
  deleted: string[];
  /** Keys whose imported material expired (ValidTo) and was deleted. */
  expired: string[];
}

/** Told of each job done, and awaited: the audit trail records it before the run goes on. */
export interface SchedulerEvents {
  /** `key`: the key as rotated (its new current material). */
  rotated?(key: KeyRecord, materialId: string, at: number): void | Promise<void>;
  /** `key`: the key as it was when deleted. */
  deleted?(key: KeyRecord, at: number): void | Promise<void>;
  /** Imported material deleted at its ValidTo (CloudTrail's DeleteExpiredKeyMaterial). */
  expired?(key: KeyRecord, materialIds: string[], at: number): void | Promise<void>;
}

/** Runs every job due at `now`; catches up on missed due dates (one rotation per due date). */
export async function runDue(core: Core, now: number, events: SchedulerEvents = {}): Promise<RunResult> {
  const result: RunResult = { rotated: [], deleted: [], expired: [] };
  for (;;) {
    const refs = await core.store.listDueKeys(now, 100);
    let progressed = false;
    for (const ref of refs) {
      const id = ref.keyId;
      let key = await core.store.getKey(ref);
      if (!key) continue;
      if (isDeletionDue(now, key)) {
        try {
          // Conditional on the version we decided on: another node deleting it first, or a
          // CancelKeyDeletion committed since we read it, makes this a conflict, not a second delete.
          await core.store.deleteKey(ref, now, key.version);
        } catch (e) {
          if (!(e instanceof StoreConflictError)) throw e;
          continue; // someone else acted; a key still due is found again by the next run
        }
        // Materials are shared by a multi-Region key's Regions: the cache keeps them while one remains.
        if (!key.multiRegion || (await core.store.listKeyRegions(id)).length === 0) core.forgetKey(id);
        result.deleted.push(id);
        await events.deleted?.(key, now);
        // The last replica gone: a primary waiting for it starts its own waiting period.
        if (key.multiRegionKeyType === 'REPLICA') await afterReplicaDeleted(core, ref, now);
        progressed = true;
        continue;
      }
      if (isExpiryDue(now, key)) {
        try {
          const done = await expireImportedMaterial(core, key, now);
          key = done.key;
          if (done.expired.length > 0) {
            result.expired.push(id);
            await events.expired?.(key, done.expired, now);
          }
          progressed = true;
        } catch (e) {
          if (!(e instanceof StoreConflictError)) throw e;
          continue;
        }
      }
      while (key && isRotationDue(now, key)) {
        try {
          const rotated = await rotateAutomatically(core, key);
          key = rotated;
          result.rotated.push(id);
          await events.rotated?.(rotated, rotated.currentMaterialId, now);
          progressed = true;
        } catch (e) {
          if (!(e instanceof StoreConflictError)) throw e;
          key = await core.store.getKey(ref); // another process acted; re-decide on fresh state
        }
      }
    }
    if (!progressed || refs.length < 100) return result;
  }
}

