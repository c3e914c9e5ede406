/**
 * Trent's directories are private: the data directory holds the root key, the store (wrapped key
 * material, access-key secrets), the bootstrap credentials and the TLS key; the audit directory
 * records who did what. Each is mode 0700 and every file Trent writes in them 0600, whoever
 * created the directory and whatever the process umask. A directory or file that allows group or
 * other access is narrowed (Trent owns these directories) and the change is logged; one Trent may
 * not narrow (another owner) stops the start.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export class PrivateFilesError extends Error {}

const mode = (m: number) => `0${(m & 0o777).toString(8).padStart(3, '0')}`;

/** Creates `dir` (0700) if needed, and narrows it to 0700 when group or others have access. */
export function ensurePrivateDir(dir: string, what: string, log: (line: string) => void): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // The configured path itself may be a symbolic link to the directory the operator chose.
  narrow(dir, `the ${what}`, true, log, true);
}

/**
 * Narrows every directory (0700) and file (0600) under `dir` that group or others may use. Does
 * not follow symbolic links: a link's target is not Trent's to change. Bounded in depth: Trent's
 * own layout has one level of subdirectories (`tls/`, `audit/`). `done`: a directory below `dir`
 * already narrowed (the audit directory, when it sits in the data directory), not walked again.
 */
export function privatizeTree(dir: string, what: string, log: (line: string) => void, done?: string, depth = 3): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  for (const name of names) {
    const path = join(dir, name);
    const st = lstatIfExists(path);
    if (st === undefined || st.isSymbolicLink()) continue;
    if (st.isDirectory()) {
      if (done !== undefined && resolve(path) === resolve(done)) continue;
      narrow(path, `in the ${what}`, true, log);
      if (depth > 1) privatizeTree(path, what, log, done, depth - 1);
    } else if (st.isFile()) {
      narrow(path, `in the ${what}`, false, log);
    }
  }
}

function narrow(path: string, label: string, isDir: boolean, log: (line: string) => void, follow = false): void {
  const st = follow ? statSync(path) : lstatIfExists(path);
  if (st === undefined) return;
  if (isDir && !st.isDirectory()) throw new PrivateFilesError(`${path} (${label}) is not a directory`);
  const m = st.mode & 0o777;
  if ((m & 0o077) === 0) return;
  const want = isDir ? 0o700 : 0o600;
  try {
    chmodSync(path, want);
  } catch (e) {
    // Another user's directory, or a read-only mount: Trent cannot make it private, so it does
    // not put keys in it.
    throw new PrivateFilesError(`${path} (${label}) is mode ${mode(m)}, open to other users, and cannot be made private: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  log(`${path} (${label}) was mode ${mode(m)}, open to other users; now ${mode(want)}`);
}

function lstatIfExists(path: string) {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
