/**
 * A clock tests can move forward (never backward): real time plus an offset kept in the store,
 * so a restarted Trent keeps the time a test moved it to, and nodes sharing a store share it.
 */
import type { Clock } from './ports.ts';

export class ControlledClock implements Clock {
  #offsetMs: number;
  readonly #base: Clock;

  constructor(base: Clock, offsetMs = 0) {
    this.#base = base;
    this.#offsetMs = offsetMs;
  }

  now(): Date {
    return new Date(this.#base.now().getTime() + this.#offsetMs);
  }

  get offsetMs(): number {
    return this.#offsetMs;
  }

  /**
   * Adopts `offsetMs` if it is ahead of this clock's (another node sharing the store moved the
   * clock); a smaller one is ignored, so the clock still never moves backward.
   */
  catchUp(offsetMs: number): void {
    if (Number.isFinite(offsetMs) && offsetMs > this.#offsetMs) this.#offsetMs = offsetMs;
  }

  /** Moves the clock forward by `ms` (≥ 0) from wherever it is when called. */
  advance(ms: number): boolean {
    if (!Number.isFinite(ms) || ms < 0) return false;
    this.#offsetMs += ms;
    return true;
  }

  /** Moves the clock to `target`; returns false (and changes nothing) if that is in the past. */
  moveTo(target: Date): boolean {
    const delta = target.getTime() - this.now().getTime();
    if (!Number.isFinite(delta) || delta < 0) return false;
    this.#offsetMs += delta;
    return true;
  }
}
