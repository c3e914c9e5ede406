/**
 * `trent audit verify`: walks every node's chain from its first line and stops at the first
 * line that breaks it — altered (its hash does not match), removed or inserted (its `prev` is not
 * the hash before it), reordered (its `seq` is not the next one), or from another chain — and
 * names it by file, line and sequence number. Reads line by line: millions of records are fine.
 *
 * What a hash chain cannot see on its own: lines cut from the very end, and a chain re-hashed
 * from some line on by someone who can write the files. Given the node's anchor (anchor.ts: the
 * head each node records in the store), both show: a chain that ends before the anchored
 * sequence number, or whose line at that number has another hash, is broken.
 */
import { open } from 'node:fs/promises';
import type { AnchorValue } from './anchor.ts';
import { checkLine, GENESIS } from './chain.ts';
import { type ChainFile, listChains } from './files.ts';
import { fileLines } from './reader.ts';

export interface Break {
  file: string;
  line: number;
  /** The sequence number expected at that place. */
  seq: number;
  reason: string;
}

export interface OutcomeUnknown {
  requestID: string;
  eventName: string;
  principal: string | null;
  file: string;
  line: number;
}

export interface ChainReport {
  node: string;
  files: number;
  entries: number;
  events: number;
  /** Sequence number and hash of the last good line: anchor them elsewhere to detect truncation. */
  headSeq: number;
  head: string;
  broken?: Break;
  /** The last file ends in an incomplete line: a write in progress, or a crash before its flush completed. */
  tornTail?: string;
  /** Write-ahead entries with no record after them: the change may have committed; the caller got an error. */
  outcomeUnknown: OutcomeUnknown[];
  /** The head the node last anchored in the store, when one was looked up and found; `matched`: the chain holds it. */
  anchor?: AnchorValue & { matched: boolean };
}

/** Looks up a node's anchor (undefined: none recorded). */
export type AnchorLookup = (node: string) => Promise<AnchorValue | undefined>;

async function endsWithNewline(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (size === 0) return true;
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, size - 1);
    return b[0] === 10;
  } finally {
    await fh.close();
  }
}

async function verifyChain(node: string, files: ChainFile[], anchor: AnchorValue | undefined): Promise<ChainReport> {
  const r: ChainReport = { node, files: files.length, entries: 0, events: 0, headSeq: 0, head: GENESIS, outcomeUnknown: [] };
  if (anchor) r.anchor = { ...anchor, matched: false };
  const pending = new Map<string, OutcomeUnknown>();
  let expected = 1;
  let prev = GENESIS;
  files: for (const [i, f] of files.entries()) {
    const last = i === files.length - 1;
    const complete = await endsWithNewline(f.path);
    if (!last && !complete) {
      r.broken = { file: f.name, line: 0, seq: expected, reason: 'the file ends in an incomplete line, but the chain continues in a later file' };
      break;
    }
    let lineCount = 0;
    let firstInFile = true;
    for await (const l of fileLines(f)) {
      lineCount = l.line;
      const check = checkLine(l.text);
      if (!check.ok) {
        if (last && !complete && !(await hasLineAfter(f, l.line))) {
          r.tornTail = `${f.name}:${l.line}`;
          break files;
        }
        r.broken = { file: f.name, line: l.line, seq: expected, reason: check.reason };
        break files;
      }
      const e = check.entry;
      const fail = (reason: string) => {
        r.broken = { file: f.name, line: l.line, seq: expected, reason };
      };
      if (e.node !== node) {
        fail(`the line belongs to node ${JSON.stringify(e.node)}`);
        break files;
      }
      if (e.seq !== expected) {
        fail(e.seq < expected ? `sequence ${e.seq} again or out of order (expected ${expected})` : `sequence ${e.seq} where ${expected} was expected: lines ${expected}..${e.seq - 1} are missing`);
        break files;
      }
      if (e.prev !== prev) {
        fail(expected === 1 ? 'the first line does not start the chain' : 'it does not follow the line before it (a line was removed, inserted or reordered)');
        break files;
      }
      if (firstInFile && e.seq !== f.firstSeq) {
        fail(`the file name says the file starts at sequence ${f.firstSeq}, its first line is ${e.seq}`);
        break files;
      }
      if (anchor && e.seq === anchor.seq) {
        if (e.hash !== anchor.hash) {
          fail(`the store's anchor (written ${anchor.at}) holds another hash for this line: the chain was rewritten at or before it`);
          break files;
        }
        r.anchor!.matched = true;
      }
      firstInFile = false;
      r.entries++;
      r.headSeq = e.seq;
      r.head = e.hash;
      prev = e.hash;
      expected++;
      if (e.kind === 'event') {
        r.events++;
        const id = (e as { record?: { requestID?: unknown } }).record?.requestID;
        if (typeof id === 'string') pending.delete(id);
      } else if (e.kind === 'intent' && typeof e.requestID === 'string') {
        pending.set(e.requestID, {
          requestID: e.requestID,
          eventName: String(e.eventName ?? ''),
          principal: typeof e.principal === 'string' ? e.principal : null,
          file: f.name,
          line: l.line,
        });
      }
    }
    if (lineCount === 0 && !last) {
      // An empty file before the last one: harmless (a rotation with nothing written yet).
      continue;
    }
  }
  if (anchor && !r.broken && r.headSeq < anchor.seq) {
    const last = files[files.length - 1];
    r.broken = {
      file: last?.name ?? anchor.file,
      line: 0,
      seq: r.headSeq + 1,
      reason: `the chain ends at seq ${r.headSeq}, but the store's anchor (written ${anchor.at}) says seq ${anchor.seq} in ${anchor.file} was written: lines ${r.headSeq + 1}..${anchor.seq} were removed from the end`,
    };
  }
  r.outcomeUnknown = [...pending.values()];
  return r;
}

async function hasLineAfter(f: ChainFile, line: number): Promise<boolean> {
  for await (const l of fileLines(f)) if (l.line > line) return true;
  return false;
}

/** Verifies every chain in `dir`; `node` limits it to one. With `anchors`, each chain is compared with its node's anchor. */
export async function verifyAuditDir(dir: string, node?: string, anchors?: AnchorLookup): Promise<ChainReport[]> {
  const out: ChainReport[] = [];
  for (const [n, files] of await listChains(dir)) {
    if (node !== undefined && n !== node) continue;
    out.push(await verifyChain(n, files, await anchors?.(n)));
  }
  return out;
}

/** A node with an anchored head but no files at all: every line of its chain was removed. */
export function verifyMissingChain(node: string, anchor: AnchorValue): Promise<ChainReport> {
  return verifyChain(node, [], anchor);
}
