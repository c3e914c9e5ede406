/** What a benchmark reads of a server process from /proc (Linux): resident memory, open descriptors. */
import { readdirSync, readFileSync } from 'node:fs';

/** Resident set size in MB (VmRSS), 0 when the kernel does not report it. */
export function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

export function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}
