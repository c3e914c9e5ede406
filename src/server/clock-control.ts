/**
 * `--clock-control`: `GET /_trent/clock` and `POST /_trent/clock` with {"advanceSeconds": n} or
 * {"setTime": "<ISO-8601>"}. Moving the clock runs the due jobs before answering. Only for tests;
 * refused with a non-loopback --host.
 */
import type { ControlledClock } from '../domain/controlled-clock.ts';

export interface ClockControl {
  clock: ControlledClock;
  /**
   * Catches up with the offset in the store, so every node on one store tells the same time:
   * the server calls it before each request, so a move on node A is seen by node B's next one.
   */
  sync(): Promise<void>;
  /** Persists the offset, then runs due jobs. */
  afterMove(): Promise<{ rotated: string[]; deleted: string[] }>;
}

export async function handleClockRequest(ctl: ClockControl, method: string, body: Buffer): Promise<{ status: number; body: unknown }> {
  await ctl.sync();
  if (method === 'GET') return { status: 200, body: { now: ctl.clock.now().toISOString() } };
  if (method !== 'POST') return { status: 405, body: { message: 'use GET or POST' } };
  let req: { advanceSeconds?: unknown; setTime?: unknown };
  try {
    req = JSON.parse(body.toString('utf8') || '{}');
  } catch {
    return { status: 400, body: { message: 'body must be JSON' } };
  }
  if (typeof req.advanceSeconds === 'number' && Number.isFinite(req.advanceSeconds) && req.setTime === undefined) {
    if (req.advanceSeconds < 0) return { status: 400, body: { message: 'the clock only moves forward' } };
    // By the amount, not to a time computed here: real time passing in between cannot make it fail.
    ctl.clock.advance(req.advanceSeconds * 1000);
  } else if (typeof req.setTime === 'string' && req.advanceSeconds === undefined) {
    const target = new Date(req.setTime);
    if (Number.isNaN(target.getTime())) return { status: 400, body: { message: 'setTime must be an ISO-8601 time' } };
    if (!ctl.clock.moveTo(target)) return { status: 400, body: { message: `the clock only moves forward; it is ${ctl.clock.now().toISOString()}` } };
  } else {
    return { status: 400, body: { message: 'give exactly one of advanceSeconds (number) or setTime (ISO-8601 string)' } };
  }
  const jobs = await ctl.afterMove();
  return { status: 200, body: { now: ctl.clock.now().toISOString(), rotated: jobs.rotated, deleted: jobs.deleted } };
}
