/**
 * One audit line: a JSON object whose first members are the chain's (`v`, `node`, `seq`, `prev`,
 * `kind`) and whose last member is `hash`, the SHA-256 (hex) of the line's text without that
 * member. `prev` is the previous line's `hash` (GENESIS for a node's first line), so an edited,
 * removed, inserted or reordered line breaks the chain at that place, across file rotations too:
 * a new file's first line carries the last hash of the file before it.
 */
import { hash } from 'node:crypto';

export const GENESIS = '0'.repeat(64);
export const LINE_VERSION = 1;

export type EntryKind =
  /** A node started (or resumed) its chain. */
  | 'start'
  /** Write-ahead: a request (or a scheduled job) is about to change stored state. */
  | 'intent'
  /** A CloudTrail record: one per request, one per service event. */
  | 'event'
  /** At start, a torn (never acknowledged) tail was cut from the last file. */
  | 'recovery';

export interface ChainHead {
  node: string;
  v: number;
  seq: number;
  prev: string;
  kind: EntryKind;
  hash: string;
  [member: string]: unknown;
}

const HASH_SUFFIX = /,"hash":"([0-9a-f]{64})"\}$/;

export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

/** Builds the line (without its newline) for one entry; returns it with its hash. */
export function sealLine(node: string, seq: number, prev: string, kind: EntryKind, payload: Record<string, unknown>): { text: string; hash: string } {
  const body = JSON.stringify({ v: LINE_VERSION, node, seq, prev, kind, ...payload });
  const hash = sha256Hex(body);
  return { text: `${body.slice(0, -1)},"hash":"${hash}"}`, hash };
}

export type LineCheck = { ok: true; entry: ChainHead } | { ok: false; reason: string };

/** Checks one line on its own: well-formed, and its hash matches its text. */
export function checkLine(text: string): LineCheck {
  const m = HASH_SUFFIX.exec(text);
  if (!m) return { ok: false, reason: 'not a sealed audit line (no trailing "hash" member)' };
  const body = `${text.slice(0, m.index)}}`;
  if (sha256Hex(body) !== m[1]) return { ok: false, reason: 'hash does not match the line (the line was altered)' };
  let entry: ChainHead;
  try {
    entry = JSON.parse(text) as ChainHead;
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  if (typeof entry !== 'object' || entry === null || typeof entry.seq !== 'number' || typeof entry.prev !== 'string' || typeof entry.node !== 'string' || entry.hash !== m[1]) {
    return { ok: false, reason: 'missing chain members' };
  }
  return { ok: true, entry };
}
