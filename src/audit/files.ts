/**
 * Where audit lines live: `<audit-dir>/<node>.<YYYY-MM-DD>.<first seq, 12 digits>.jsonl`, one
 * chain per node. The file operations go through a small port so tests can make the disk fail.
 */
import { writeSync } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export const NODE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const FILE = /^([A-Za-z0-9_-]{1,64})\.(\d{4}-\d{2}-\d{2})\.(\d{12})\.jsonl$/;

export interface ChainFile {
  node: string;
  day: string;
  firstSeq: number;
  name: string;
  path: string;
}

export function chainFileName(node: string, day: string, firstSeq: number): string {
  return `${node}.${day}.${String(firstSeq).padStart(12, '0')}.jsonl`;
}

/** Every node's files in a directory, each node's in chain order. */
export async function listChains(dir: string): Promise<Map<string, ChainFile[]>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw e;
  }
  const chains = new Map<string, ChainFile[]>();
  for (const name of names) {
    const m = FILE.exec(name);
    if (!m) continue;
    const f: ChainFile = { node: m[1]!, day: m[2]!, firstSeq: Number(m[3]), name, path: join(dir, name) };
    const list = chains.get(f.node) ?? [];
    list.push(f);
    chains.set(f.node, list);
  }
  for (const list of chains.values()) list.sort((a, b) => a.firstSeq - b.firstSeq || a.name.localeCompare(b.name));
  return new Map([...chains.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/** An open audit file, appended to. */
export interface AuditFile {
  /** Appends all of `data` (loops over short writes). */
  write(data: Buffer): Promise<void>;
  /** fdatasync: returns once the appended bytes are on stable storage. */
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

export interface AuditFileOps {
  /** Opens for appending, creating the file (mode 0600) if needed. */
  openAppend(path: string): Promise<AuditFile>;
  /** fsync of a directory, so a file created in it survives a crash. */
  syncDir(dir: string): Promise<void>;
}

export const nodeFileOps: AuditFileOps = {
  async openAppend(path) {
    const fh = await open(path, 'a', 0o600);
    return {
      // A synchronous write: it only copies into the page cache (the store's SQLite writes are
      // synchronous too), and saves a thread-pool round trip per flush; fdatasync stays async.
      async write(data) {
        let off = 0;
        while (off < data.length) off += writeSync(fh.fd, data, off, data.length - off);
      },
      datasync: () => fh.datasync(),
      truncate: (length) => fh.truncate(length),
      size: async () => (await fh.stat()).size,
      close: () => fh.close(),
    };
  },
  async syncDir(dir) {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
};
