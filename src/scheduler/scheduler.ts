/**
 * Rotation and deletion jobs. Deciding is separate from doing: `isRotationDue` / `isDeletionDue`
 * are pure; `runDue` acts, idempotently — a key rotated or deleted by another process (or an
 * earlier run) is simply no longer due when re-read. No read path ever rotates or deletes.
 */
import type { Core } from '../domain/core.ts';
import { StoreConflictError, type KeyRef } from '../domain/ports.ts';
import { afterReplicaDeleted } from '../domain/multi-region.ts';
import { expireImportedMaterial } from '../domain/import.ts';
import { isExpiryDue } from '../domain/imported-materials.ts';
import { isDeletionDue, isRotationDue, rotateAutomatically } from '../domain/rotation.ts';

/** Key ids (a multi-Region key's Regions each count). */
export interface RunResult {
  rotated: string[];
  deleted: string[];
  /** Keys whose imported material expired (ValidTo) and was deleted. */
  expired: string[];
}

/** Told of each job done, and awaited: the audit trail records it before the run goes on. */
export interface SchedulerEvents {
  rotated?(key: KeyRef, materialId: string, at: number): void | Promise<void>;
  deleted?(key: KeyRef, at: number): void | Promise<void>;
  /** Imported material deleted at its ValidTo (CloudTrail's DeleteExpiredKeyMaterial). */
  expired?(key: KeyRef, materialIds: string[], at: number): void | Promise<void>;
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
        await events.deleted?.(ref, now);
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
            await events.expired?.(ref, done.expired, now);
          }
          progressed = true;
        } catch (e) {
          if (!(e instanceof StoreConflictError)) throw e;
          continue;
        }
      }
      while (key && isRotationDue(now, key)) {
        try {
          key = await rotateAutomatically(core, key);
          result.rotated.push(id);
          await events.rotated?.(ref, key.currentMaterialId, now);
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

export class Scheduler {
  readonly #core: Core;
  readonly #intervalMs: number;
  readonly #log: (line: string) => void;
  readonly #events: SchedulerEvents;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<RunResult> | undefined;

  constructor(core: Core, opts: { intervalMs?: number; log: (line: string) => void; events?: SchedulerEvents }) {
    this.#core = core;
    this.#intervalMs = opts.intervalMs ?? 60_000;
    this.#log = opts.log;
    this.#events = opts.events ?? {};
  }

  /**
   * Runs the jobs due at the time the run starts, after any run in flight: that one decided on
   * an earlier time (a test clock moved since), so sharing it would miss what is due now. Each
   * caller gets its own run and hears only of the jobs that run did.
   */
  run(): Promise<RunResult> {
    const previous = this.#running?.catch(() => undefined) ?? Promise.resolve();
    const next = previous.then(() => runDue(this.#core, this.#core.now(), this.#events));
    this.#running = next;
    const settled = () => {
      if (this.#running === next) this.#running = undefined;
    };
    next.then(settled, settled);
    return next;
  }

  start(): void {
    const tick = () => {
      if (this.#running) return; // still busy: the next tick will look again
      this.run().then(
        (r) => {
          if (r.rotated.length || r.deleted.length || r.expired.length) this.#log(`scheduler: rotated ${r.rotated.length}, deleted ${r.deleted.length}, expired imported material of ${r.expired.length}`);
        },
        (e) => this.#log(`scheduler: ${e instanceof Error ? e.message : String(e)}`),
      );
    };
    tick();
    this.#timer = setInterval(tick, this.#intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#running?.catch(() => undefined);
  }
}
