/**
 * One node's audit chain on disk, with group commit.
 *
 * `append()` adds an entry to the open batch and returns the batch's promise (one per batch, not
 * per entry), which resolves once the batch is on stable storage. At the end of the event-loop
 * turn in which the batch was opened, its lines are sealed, written with one write() and an
 * fdatasync is started (through the async fs API: the event loop never blocks on the disk). While
 * a flush is in progress, new entries gather into one batch that starts the moment it ends (no
 * timer); up to `maxInFlight` flushes may overlap (default 1, see below). Batches settle strictly
 * in order. A failed write or fdatasync rejects its batch and every batch written after it (their
 * requests fail closed), and the file is cut back to the last durable length before they are
 * rejected, so a line whose request was refused never stays in the chain; the next batch reopens the file and tries again, which is how writing
 * resumes once the disk is healthy. Files rotate by UTC day and by size; the chain runs on across
 * files. After each durable batch, `onDurable` learns the chain's new head (the store anchor).
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
  /**
   * How many flushes (write + fdatasync) may overlap (default 1: the next flush starts the moment
   * the previous one ends). Measured on ext4 (bench/audit.ts): overlapping fdatasyncs on one file
   * queue behind the same journal commit, so 2 gained nothing at 16 connections and split batches
   * (more fdatasyncs) at 64.
   */
  maxInFlight?: number;
  /** Called after each flush: its duration, how many entries it carried, whether it succeeded. */
  onFlush?: (seconds: number, entries: number, ok: boolean) => void;
  /** Called after each durable batch with the chain's head (the file holding it, its seq and hash). */
  onDurable?: (head: ChainPosition) => void;
}

export interface ChainPosition {
  file: string;
  seq: number;
  hash: string;
}

interface Batch {
  kinds: EntryKind[];
  payloads: Record<string, unknown>[];
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: Error) => void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { kinds: [], payloads: [], promise, resolve, reject };
}

const writeError = (e: unknown) => new AuditWriteError(`audit write failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });

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
  readonly #maxInFlight: number;
  readonly #onFlush: AuditLogOptions['onFlush'];
  readonly #onDurable: AuditLogOptions['onDurable'];
  #file: AuditFile | undefined;
  #path: string | undefined;
  #day: string | undefined;
  /** Where the last written (not necessarily durable) batch left the file and the chain. */
  #size = 0;
  #seq = 0;
  #last = GENESIS;
  /** Bytes of the current file, and the chain position, known to be durable. */
  #durableSize = 0;
  #durableSeq = 0;
  #durableLast = GENESIS;
  /** Bumped by each failure: a batch written in an earlier epoch can no longer succeed. */
  #epoch = 0;
  #broken = false;
  #closed = false;
  /** The batch new entries join; started at the end of the event-loop turn that opened it. */
  #open: Batch | undefined;
  #scheduled = false;
  #pumping = false;
  #inFlight = 0;
  /** Settles after every batch started so far has settled (resolved or rejected), in order. */
  #tail: Promise<void> = Promise.resolve();

  private constructor(o: AuditLogOptions) {
    this.nodeId = o.nodeId;
    this.dir = o.dir;
    this.#ops = o.fileOps ?? nodeFileOps;
    this.#now = o.now;
    this.#max = o.maxFileBytes ?? 64 * 1024 * 1024;
    this.#maxInFlight = Math.max(1, o.maxInFlight ?? 1);
    this.#onFlush = o.onFlush;
    this.#onDurable = o.onDurable;
  }

  /** Opens (or resumes) the node's chain and appends a `start` entry. */
  static async open(o: AuditLogOptions): Promise<AuditLog> {
    const log = new AuditLog(o);
    const torn = await log.#recover();
    if (torn) await log.append('recovery', { time: o.now().toISOString(), file: torn.file, tornBytes: torn.bytes });
    await log.append('start', { time: o.now().toISOString(), pid: process.pid });
    return log;
  }

  /** The durable chain head. */
  get seq(): number {
    return this.#durableSeq;
  }

  get head(): string {
    return this.#durableLast;
  }

  /** The durable head with the name of its file (undefined before the first line). */
  get position(): ChainPosition | undefined {
    if (this.#durableSeq === 0 || this.#path === undefined) return undefined;
    return { file: this.#path.slice(this.#path.lastIndexOf('/') + 1), seq: this.#durableSeq, hash: this.#durableLast };
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
        this.#durableSize = tail.goodLength;
      }
      if (tail.lastLine === undefined) continue; // an empty file: the chain's tail is in the one before
      const check = checkLine(tail.lastLine);
      if (!check.ok || check.entry.node !== this.nodeId) {
        throw new AuditChainError(`the last audit line of ${f.path} is damaged (${check.ok ? 'wrong node' : check.reason}); run \`trent audit verify\` before starting this node`);
      }
      this.#seq = this.#durableSeq = check.entry.seq;
      this.#last = this.#durableLast = check.entry.hash;
      break;
    }
    return torn;
  }

  /** Adds one entry to the open batch; resolves when it is durable, rejects with AuditWriteError when it cannot be. */
  append(kind: EntryKind, payload: Record<string, unknown>): Promise<void> {
    if (this.#closed) return Promise.reject(new AuditWriteError('the audit log is closed'));
    let b = this.#open;
    if (b === undefined) {
      b = this.#open = newBatch();
      if (!this.#scheduled) {
        this.#scheduled = true;
        // setImmediate: entries added in the same turn of the event loop share the batch.
        const go = () => {
          this.#scheduled = false;
          void this.#pump();
        };
        setImmediate(go);
      }
    }
    b.kinds.push(kind);
    b.payloads.push(payload);
    return b.promise;
  }

  /** Starts the open batch if a flush slot is free (one caller at a time). */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#open !== undefined && this.#inFlight < this.#maxInFlight) {
        const b = this.#open;
        this.#open = undefined;
        await this.#start(b);
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** Waits until no flush is in flight. */
  async #idle(): Promise<void> {
    while (this.#inFlight > 0) await this.#tail;
  }

  async #start(b: Batch): Promise<void> {
    const now = this.#now();
    if (this.#broken || this.#file === undefined || this.#day !== DAY(now) || this.#size >= this.#max) {
      // A new or reopened file: only once every earlier batch has settled.
      await this.#idle();
      try {
        await this.#ensureFile(now);
      } catch (e) {
        b.reject(writeError(e));
        this.#report(0, b.kinds.length, false);
        return;
      }
    }
    const file = this.#file!;
    let seq = this.#seq;
    let prev = this.#last;
    let text = '';
    for (let i = 0; i < b.kinds.length; i++) {
      const line = sealLine(this.nodeId, ++seq, prev, b.kinds[i]!, b.payloads[i]!);
      text += line.text;
      text += '\n';
      prev = line.hash;
    }
    const buf = Buffer.from(text, 'utf8');
    const epoch = this.#epoch;
    const started = performance.now();
    this.#inFlight++;
    let synced: Promise<unknown>;
    try {
      await file.write(buf);
      this.#size += buf.length;
      this.#seq = seq;
      this.#last = prev;
      // Settles with undefined or the error; awaited in order below.
      synced = file.datasync().then(
        () => undefined,
        (e: unknown) => e ?? new Error('fdatasync failed'),
      );
    } catch (e) {
      // A short or failed write: whatever landed is cut once the batches before it have settled
      // (their lines are whole and may still become durable); batches after it fail with it.
      synced = Promise.resolve(e ?? new Error('write failed'));
    }
    const endSize = this.#size;
    const path = this.#path!;
    this.#tail = this.#tail.then(async () => {
      const failure = await synced;
      const ok = failure === undefined && epoch === this.#epoch;
      try {
        if (ok) {
          this.#durableSize = endSize;
          this.#durableSeq = seq;
          this.#durableLast = prev;
          b.resolve();
          this.#report((performance.now() - started) / 1000, b.kinds.length, true);
          try {
            this.#onDurable?.({ file: path.slice(path.lastIndexOf('/') + 1), seq, hash: prev });
          } catch {
            // an observer's failure is not the audit's
          }
        } else {
          if (epoch === this.#epoch) this.#epoch++;
          this.#broken = true;
          await this.#cut(file);
          b.reject(writeError(failure ?? new Error('an earlier audit batch failed')));
          this.#report((performance.now() - started) / 1000, b.kinds.length, false);
        }
      } finally {
        this.#inFlight--;
        if (this.#open !== undefined && !this.#scheduled) void this.#pump();
      }
    });
  }

  #report(seconds: number, entries: number, ok: boolean): void {
    try {
      this.#onFlush?.(seconds, entries, ok);
    } catch {
      // an observer's failure is not the audit's
    }
  }

  /** After a failure: the file back to its last durable length, so no refused line stays. */
  async #cut(file: AuditFile): Promise<void> {
    this.#size = this.#durableSize;
    this.#seq = this.#durableSeq;
    this.#last = this.#durableLast;
    try {
      await file.truncate(this.#durableSize);
      await file.datasync();
    } catch {
      // stays broken: the next batch reopens the file and cuts it before writing
    }
  }

  async #ensureFile(now: Date): Promise<AuditFile> {
    if (this.#broken) {
      const old = this.#file;
      this.#file = undefined;
      await old?.close().catch(() => undefined);
      this.#size = this.#durableSize;
      this.#seq = this.#durableSeq;
      this.#last = this.#durableLast;
      if (this.#path !== undefined) {
        const f = await this.#ops.openAppend(this.#path);
        try {
          if ((await f.size()) > this.#durableSize) {
            await f.truncate(this.#durableSize);
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
        this.#size = this.#durableSize = await f.size();
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
    this.#closed = true;
    while (this.#open !== undefined || this.#inFlight > 0 || this.#pumping || this.#scheduled) {
      if (this.#open !== undefined && !this.#pumping && !this.#scheduled) await this.#pump();
      else if (this.#inFlight > 0) await this.#tail;
      else await new Promise((r) => setImmediate(r));
    }
    const f = this.#file;
    this.#file = undefined;
    await f?.close().catch(() => undefined);
  }
}
