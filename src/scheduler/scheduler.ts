/**
 * When KMS's own jobs run (domain/scheduled-jobs.ts): every interval, and on demand after a test
 * clock moves. One run at a time; each caller hears only of the jobs its run did.
 */
import type { Core } from '../domain/core.ts';
import { runDue, type RunResult, type SchedulerEvents } from '../domain/scheduled-jobs.ts';

export type { RunResult, SchedulerEvents } from '../domain/scheduled-jobs.ts';

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
