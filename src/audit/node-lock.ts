/**
 * Each running node owns one chain. Several nodes may share a data directory (or the audit
 * directory may be shared storage): a node claims `<audit-dir>/<node>.lock` with an exclusive
 * create. The default node id is the host name; a second node on the same host takes `<host>-2`,
 * and so on. A lock left by a process that no longer runs (same host, dead pid) is taken over, so
 * a restarted node resumes its own chain. An explicit node id that is held is an error.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { NODE_ID } from './files.ts';

export class NodeLockError extends Error {}

export interface NodeLock {
  readonly nodeId: string;
  release(): void;
}

export function defaultNodeBase(): string {
  const h = hostname().replace(/[^A-Za-z0-9_-]/g, '-').replace(/^-+|-+$/g, '').slice(0, 48);
  return h === '' ? 'trent' : h;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryClaim(path: string): boolean {
  const me = JSON.stringify({ pid: process.pid, host: hostname() });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, me, { flag: 'wx', mode: 0o600 });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder: { pid?: unknown; host?: unknown };
    try {
      holder = JSON.parse(readFileSync(path, 'utf8')) as typeof holder;
    } catch {
      holder = {};
    }
    const stale = holder.host === hostname() && typeof holder.pid === 'number' && holder.pid !== process.pid && !alive(holder.pid);
    if (!stale) return false;
    try {
      unlinkSync(path);
    } catch {
      return false;
    }
  }
  return false;
}

export function claimNode(dir: string, explicit: string | undefined): NodeLock {
  const candidates = explicit !== undefined ? [explicit] : Array.from({ length: 64 }, (_, i) => (i === 0 ? defaultNodeBase() : `${defaultNodeBase()}-${i + 1}`));
  for (const nodeId of candidates) {
    if (!NODE_ID.test(nodeId)) throw new NodeLockError(`node id must be 1-64 characters A-Z a-z 0-9 _ -, got ${JSON.stringify(nodeId)}`);
    const path = join(dir, `${nodeId}.lock`);
    if (tryClaim(path)) {
      return {
        nodeId,
        release() {
          try {
            unlinkSync(path);
          } catch {
            // already gone
          }
        },
      };
    }
  }
  throw new NodeLockError(
    explicit !== undefined
      ? `audit node id ${explicit} is in use by another running Trent (${join(dir, `${explicit}.lock`)})`
      : `no free audit node id in ${dir}`,
  );
}
