/**
 * The chain-head anchor: a hash chain cannot show lines cut from its very end (or a whole last
 * file removed), nor a chain re-hashed from some point on by someone who can write the files. So
 * after durable flushes, each node records its head — file, sequence number, hash — in the
 * store's meta table under `audit_head:<node>` (one key per node; on PostgreSQL every node's
 * anchor is in the shared database), and `trent audit verify` compares: a chain that ends before
 * the anchored sequence number, or whose line at that number has another hash, is reported
 * broken.
 *
 * Cost: one small store write at most every `intervalMs` (default 1 s), never on a request's
 * path (a failing store write is retried with the next flush; the audit itself stays fail-closed
 * on its files). The window: lines made durable after the last anchor write — at most the last
 * `intervalMs` of records, plus any written while the store was unreachable — can be cut
 * undetected. On close the final head is anchored.
 */
import type { ChainPosition } from './audit-log.ts';

export const ANCHOR_PREFIX = 'audit_head:';

export interface AnchorValue extends ChainPosition {
  /** When the anchor was written (wall clock, ISO 8601): how old it is when verified. */
  at: string;
}

export function anchorKey(node: string): string {
  return `${ANCHOR_PREFIX}${node}`;
}

export function parseAnchor(value: string | undefined): AnchorValue | undefined {
  if (value === undefined) return undefined;
  try {
    const v = JSON.parse(value) as Partial<AnchorValue>;
    if (typeof v.file === 'string' && typeof v.seq === 'number' && Number.isInteger(v.seq) && v.seq > 0 && typeof v.hash === 'string' && /^[0-9a-f]{64}$/.test(v.hash)) {
      return { file: v.file, seq: v.seq, hash: v.hash, at: typeof v.at === 'string' ? v.at : '' };
    }
  } catch {
    // fall through
  }
  return undefined;
}

export class HeadAnchor {
  readonly #put: (name: string, value: string) => Promise<void>;
  readonly #key: string;
  readonly #intervalMs: number;
  #latest: ChainPosition | undefined;
  #written = 0;
  #lastWriteMs = -Infinity;
  #writing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(put: (name: string, value: string) => Promise<void>, node: string, intervalMs = 1000) {
    this.#put = put;
    this.#key = anchorKey(node);
    this.#intervalMs = intervalMs;
  }

  /** After each durable batch (AuditLog's onDurable). Never throws, never waits. */
  readonly note = (head: ChainPosition): void => {
    this.#latest = head;
    if (this.#closed || this.#writing !== undefined || this.#timer !== undefined) return;
    const wait = this.#lastWriteMs + this.#intervalMs - performance.now();
    if (wait <= 0) this.#write();
    else {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#write();
      }, wait);
      this.#timer.unref();
    }
  };

  #write(): void {
    const head = this.#latest;
    if (head === undefined || head.seq <= this.#written) return;
    this.#lastWriteMs = performance.now();
    this.#writing = this.#put(this.#key, JSON.stringify({ ...head, at: new Date().toISOString() }))
      .then(
        () => {
          this.#written = Math.max(this.#written, head.seq);
        },
        () => undefined, // the next flush tries again
      )
      .finally(() => {
        this.#writing = undefined;
        // Heads noted while writing: anchor them in turn (after the interval).
        if (!this.#closed && this.#latest !== undefined && this.#latest.seq > this.#written) this.note(this.#latest);
      });
  }

  /** Anchors the final head (call after the log is closed, before the store is). */
  async close(head: ChainPosition | undefined): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#writing;
    if (head !== undefined) this.#latest = head;
    const last = this.#latest;
    if (last !== undefined && last.seq > this.#written) {
      await this.#put(this.#key, JSON.stringify({ ...last, at: new Date().toISOString() })).catch(() => undefined);
    }
  }
}
