/**
 * A clock tests can move forward (never backward): real time plus a persisted offset, so a
 * restarted Trent keeps the time a test moved it to.
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

  /** Moves the clock to `target`; returns false (and changes nothing) if that is in the past. */
  moveTo(target: Date): boolean {
    const delta = target.getTime() - this.now().getTime();
    if (!Number.isFinite(delta) || delta < 0) return false;
    this.#offsetMs += delta;
    return true;
  }
}
