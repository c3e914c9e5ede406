/**
 * One node's audit chain on disk, with group commit.
 *
 * `append()` queues an entry and resolves once it is on stable storage. Entries that arrive while
 * a flush (one write + one fdatasync) is in progress wait and go out together in the next one, so
 * under load many requests share one fdatasync and at low load an entry waits for one flush only.
 * A failed write or fdatasync rejects every entry of its batch (their requests fail closed) and
 * cuts the file back to the last durable length, so a line whose request was refused never stays
 * in the chain; the next batch reopens the file and tries again, which is how writing resumes once
 * the disk is healthy. Files rotate by UTC day and by size; the chain runs on across files.
 */
import { open } from 'node:fs/promises';
import { type AuditFile, type AuditFileOps, chainFileName, listChains, nodeFileOps } from './files.ts';
import { checkLine, type EntryKind, GENESIS, sealLine } from './chain.ts';

export class AuditWriteError extends Error {}
export class AuditChainError extends Error {}

export interface AuditLogOptions {
  dir: string;
  nodeId: string;
  now: () => Date;
  fileOps?: AuditFileOps;
  /** Rotate once a file reaches this size (default 64 MiB). */
  maxFileBytes?: number;
  /** Called after each flush: its duration, how many entries it carried, whether it succeeded. */
  onFlush?: (seconds: number, entries: number, ok: boolean) => void;
}

interface Pending {
  kind: EntryKind;
  payload: Record<string, unknown>;
  resolve: () => void;
  reject: (e: Error) => void;
}

const DAY = (d: Date) => d.toISOString().slice(0, 10);

/** The last complete line of a file and where the complete lines end (a torn tail lies beyond). */
async function readTail(path: string): Promise<{ size: number; goodLength: number; lastLine?: string }> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    for (let n = 64 * 1024; ; n *= 2) {
      const start = Math.max(0, size - n);
      const buf = Buffer.alloc(size - start);
      if (buf.length > 0) await fh.read(buf, 0, buf.length, start);
      const lastNl = buf.lastIndexOf(10);
      if (lastNl < 0) {
        if (start > 0) continue;
        return { size, goodLength: 0 };
      }
      const prevNl = lastNl === 0 ? -1 : buf.lastIndexOf(10, lastNl - 1);
      if (prevNl < 0 && start > 0) continue;
      return { size, goodLength: start + lastNl + 1, lastLine: buf.subarray(prevNl + 1, lastNl).toString('utf8') };
    }
  } finally {
    await fh.close();
  }
}

export class AuditLog {
  readonly nodeId: string;
  readonly dir: string;
  readonly #ops: AuditFileOps;
  readonly #now: () => Date;
  readonly #max: number;
  readonly #onFlush: AuditLogOptions['onFlush'];
  #file: AuditFile | undefined;
  #path: string | undefined;
  #day: string | undefined;
  /** Bytes of the current file known to be durable and ours. */
  #size = 0;
  #seq = 0;
  #last = GENESIS;
  #broken = false;
  #closed = false;
  #queue: Pending[] = [];
  #drained: Promise<void> | undefined;

  private constructor(o: AuditLogOptions) {
    this.nodeId = o.nodeId;
    this.dir = o.dir;
    this.#ops = o.fileOps ?? nodeFileOps;
    this.#now = o.now;
    this.#max = o.maxFileBytes ?? 64 * 1024 * 1024;
    this.#onFlush = o.onFlush;
  }

  /** Opens (or resumes) the node's chain and appends a `start` entry. */
  static async open(o: AuditLogOptions): Promise<AuditLog> {
    const log = new AuditLog(o);
    const torn = await log.#recover();
    if (torn) await log.append('recovery', { time: o.now().toISOString(), file: torn.file, tornBytes: torn.bytes });
    await log.append('start', { time: o.now().toISOString(), pid: process.pid });
    return log;
  }

  get seq(): number {
    return this.#seq;
  }

  get head(): string {
    return this.#last;
  }

  async #recover(): Promise<{ file: string; bytes: number } | undefined> {
    const files = (await listChains(this.dir)).get(this.nodeId) ?? [];
    let torn: { file: string; bytes: number } | undefined;
    for (let i = files.length - 1; i >= 0; i--) {
      const f = files[i]!;
      const tail = await readTail(f.path);
      if (tail.goodLength < tail.size) {
        // Bytes after the last newline were never acknowledged (their flush did not complete).
        const fh = await this.#ops.openAppend(f.path);
        try {
          await fh.truncate(tail.goodLength);
          await fh.datasync();
        } finally {
          await fh.close();
        }
        torn = { file: f.name, bytes: tail.size - tail.goodLength };
      }
      if (i === files.length - 1) {
        this.#path = f.path;
        this.#day = f.day;
        this.#size = tail.goodLength;
      }
      if (tail.lastLine === undefined) continue; // an empty file: the chain's tail is in the one before
      const check = checkLine(tail.lastLine);
      if (!check.ok || check.entry.node !== this.nodeId) {
        throw new AuditChainError(`the last audit line of ${f.path} is damaged (${check.ok ? 'wrong node' : check.reason}); run \`trent audit verify\` before starting this node`);
      }
      this.#seq = check.entry.seq;
      this.#last = check.entry.hash;
      break;
    }
    return torn;
  }

  /** Queues one entry; resolves when it is durable, rejects with AuditWriteError when it cannot be. */
  append(kind: EntryKind, payload: Record<string, unknown>): Promise<void> {
    if (this.#closed) return Promise.reject(new AuditWriteError('the audit log is closed'));
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ kind, payload, resolve, reject });
      if (!this.#drained) {
        // setImmediate: entries queued in the same turn of the event loop share the first flush too.
        this.#drained = new Promise<void>((done) => setImmediate(() => void this.#drain().finally(done)));
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      const started = performance.now();
      try {
        await this.#writeBatch(batch);
        this.#onFlush?.((performance.now() - started) / 1000, batch.length, true);
        for (const p of batch) p.resolve();
      } catch (e) {
        this.#onFlush?.((performance.now() - started) / 1000, batch.length, false);
        const err = new AuditWriteError(`audit write failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
        for (const p of batch) p.reject(err);
      }
    }
    this.#drained = undefined;
  }

  async #writeBatch(batch: Pending[]): Promise<void> {
    const file = await this.#ensureFile(this.#now());
    let seq = this.#seq;
    let prev = this.#last;
    const parts: string[] = [];
    for (const p of batch) {
      const line = sealLine(this.nodeId, ++seq, prev, p.kind, p.payload);
      parts.push(line.text, '\n');
      prev = line.hash;
    }
    const buf = Buffer.from(parts.join(''), 'utf8');
    try {
      await file.write(buf);
      await file.datasync();
    } catch (e) {
      // Cut what may have landed: a refused request leaves no line. If even that fails, the
      // next batch reopens the file and cuts it before writing.
      this.#broken = true;
      try {
        await file.truncate(this.#size);
        await file.datasync();
      } catch {
        // stays broken
      }
      throw e;
    }
    this.#size += buf.length;
    this.#seq = seq;
    this.#last = prev;
  }

  async #ensureFile(now: Date): Promise<AuditFile> {
    if (this.#broken) {
      const old = this.#file;
      this.#file = undefined;
      await old?.close().catch(() => undefined);
      if (this.#path !== undefined) {
        const f = await this.#ops.openAppend(this.#path);
        try {
          if ((await f.size()) > this.#size) {
            await f.truncate(this.#size);
            await f.datasync();
          }
        } catch (e) {
          await f.close().catch(() => undefined);
          throw e;
        }
        this.#file = f;
      }
      this.#broken = false;
    }
    const day = DAY(now);
    if (this.#path === undefined || this.#day !== day || this.#size >= this.#max) {
      const old = this.#file;
      this.#file = undefined;
      await old?.close().catch(() => undefined);
      const path = `${this.dir}/${chainFileName(this.nodeId, day, this.#seq + 1)}`;
      const f = await this.#ops.openAppend(path);
      try {
        await this.#ops.syncDir(this.dir);
        this.#size = await f.size();
      } catch (e) {
        await f.close().catch(() => undefined);
        throw e;
      }
      this.#file = f;
      this.#path = path;
      this.#day = day;
    } else if (this.#file === undefined) {
      this.#file = await this.#ops.openAppend(this.#path);
    }
    return this.#file;
  }

  /** Waits for queued entries, then closes the file. */
  async close(): Promise<void> {
    await this.#drained;
    this.#closed = true;
    await this.#drained;
    const f = this.#file;
    this.#file = undefined;
    await f?.close().catch(() => undefined);
  }
}
