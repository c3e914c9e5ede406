/**
 * Searches files for known secret bytes in every form they could take at rest: raw, hex (both
 * cases), base64 and base64url at each of the three alignments (a secret inside a larger encoded
 * value), 48-byte blocks as base64 (PEM lines), and sliding raw/hex windows (a secret stored in
 * part). A hit names the secret, the form and the file.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface Secret {
  what: string;
  bytes: Buffer;
}

interface Needle {
  secret: string;
  form: string;
  bytes: Buffer;
}

const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
const b64url = (b: Buffer) => b.toString('base64url');

/** Every encoding of the secret that is long enough to be unmistakable (≥ 16 characters). */
export function needlesOf(s: Secret): Needle[] {
  const out: Needle[] = [];
  const add = (form: string, text: string | Buffer) => {
    const bytes = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
    if (bytes.length >= 16) out.push({ secret: s.what, form, bytes });
  };
  const b = s.bytes;
  add('raw', b);
  add('hex', b.toString('hex'));
  add('HEX', b.toString('hex').toUpperCase());
  for (let k = 0; k < 3 && b.length - k >= 12; k++) {
    // Base64 of the bytes from offset k, whole groups only (an encoder starting elsewhere agrees on them).
    const tail = b.subarray(k);
    const whole = tail.subarray(0, tail.length - (tail.length % 3));
    add(`base64@${k}`, b64(whole));
    add(`base64url@${k}`, b64url(whole));
  }
  for (let o = 0; o + 48 <= b.length && o < 48 * 4; o += 48) add(`base64 block ${o}`, b64(b.subarray(o, o + 48)));
  if (b.length > 48) {
    for (let o = 0; o + 24 <= b.length; o += 24) {
      add(`raw window ${o}`, b.subarray(o, o + 24));
      add(`hex window ${o}`, b.subarray(o, o + 24).toString('hex'));
    }
  }
  return out;
}

export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(join(e.parentPath ?? e.path, e.name));
  }
  return out.sort();
}

export interface ScanResult {
  files: number;
  bytes: number;
  needles: number;
  hits: string[];
}

/** Scans the files for every needle of every secret; `allowed(file)` skips files that are meant to hold a secret (root.key). */
export function scan(files: string[], secrets: Secret[], root: string, skip: (file: string) => boolean = () => false): ScanResult {
  const needles = secrets.flatMap(needlesOf);
  const hits: string[] = [];
  let bytes = 0;
  let n = 0;
  for (const f of files) {
    if (skip(f) || !statSync(f).isFile()) continue;
    const data = readFileSync(f);
    bytes += data.length;
    n++;
    for (const nd of needles) {
      const at = data.indexOf(nd.bytes);
      if (at >= 0) hits.push(`${nd.secret} (${nd.form}) in ${relative(root, f)} at byte ${at}`);
    }
  }
  return { files: n, bytes, needles: needles.length, hits };
}
