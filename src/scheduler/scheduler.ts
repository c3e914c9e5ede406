/**
 * Rotation and deletion jobs. Deciding is separate from doing: `isRotationDue` / `isDeletionDue`
 * are pure; `runDue` acts, idempotently — a key rotated or deleted by another process (or an
 * earlier run) is simply no longer due when re-read. No read path ever rotates or deletes.
 */
import type { Core } from '../domain/core.ts';
import { StoreConflictError } from '../domain/ports.ts';
import { isDeletionDue, isRotationDue, rotateAutomatically } from '../domain/rotation.ts';

export interface RunResult {
  rotated: string[];
  deleted: string[];
}

export interface SchedulerEvents {
  rotated?(keyId: string, materialId: string, at: number): void;
  deleted?(keyId: string, at: number): void;
}

/** Runs every job due at `now`; catches up on missed due dates (one rotation per due date). */
export async function runDue(core: Core, now: number, events: SchedulerEvents = {}): Promise<RunResult> {
  const result: RunResult = { rotated: [], deleted: [] };
  for (;;) {
    const ids = await core.store.listDueKeys(now, 100);
    let progressed = false;
    for (const id of ids) {
      let key = await core.store.getKey(id);
      if (!key) continue;
      if (isDeletionDue(now, key)) {
        await core.store.deleteKey(id, now);
        core.forgetKey(id);
        result.deleted.push(id);
        events.deleted?.(id, now);
        progressed = true;
        continue;
      }
      while (key && isRotationDue(now, key)) {
        try {
          key = await rotateAutomatically(core, key);
          result.rotated.push(id);
          events.rotated?.(id, key.currentMaterialId, now);
          progressed = true;
        } catch (e) {
          if (!(e instanceof StoreConflictError)) throw e;
          key = await core.store.getKey(id); // another process acted; re-decide on fresh state
        }
      }
    }
    if (!progressed || ids.length < 100) return result;
  }
}

export class Scheduler {
  readonly #core: Core;
  readonly #intervalMs: number;
  readonly #log: (line: string) => void;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<RunResult> | undefined;

  constructor(core: Core, opts: { intervalMs?: number; log: (line: string) => void }) {
    this.#core = core;
    this.#intervalMs = opts.intervalMs ?? 60_000;
    this.#log = opts.log;
  }

  /** Runs the due jobs now; concurrent calls share one run. */
  run(): Promise<RunResult> {
    if (!this.#running) {
      this.#running = runDue(this.#core, this.#core.now()).finally(() => {
        this.#running = undefined;
      });
    }
    return this.#running;
  }

  start(): void {
    const tick = () => {
      this.run().then(
        (r) => {
          if (r.rotated.length || r.deleted.length) this.#log(`scheduler: rotated ${r.rotated.length}, deleted ${r.deleted.length}`);
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
