/**
 * The embedded root of trust: a 256-bit key in `<data-dir>/root.key` (mode 0600), generated on
 * first start. Everything secret that reaches storage is wrapped here first (AES-256-GCM with an
 * AAD naming what the secret is for).
 */
import { createHmac } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gcmOpen, gcmSeal } from '../crypto/aes-gcm.ts';
import type { Rng } from '../crypto/rng.ts';
import type { RootKeyring } from '../domain/ports.ts';
import { WRAP_VERSION } from '../format/wrapped.ts';

const IV = 12;
const TAG = 16;

export class FileKeyring implements RootKeyring {
  readonly #key: Uint8Array;
  readonly #rng: Rng;

  constructor(key: Uint8Array, rng: Rng) {
    if (key.length !== 32) throw new Error('root key must be 32 bytes');
    this.#key = key;
    this.#rng = rng;
  }

  wrap(plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
    const iv = this.#rng.bytes(IV);
    const { ciphertext, tag } = gcmSeal(this.#key, iv, plaintext, aad);
    const out = new Uint8Array(1 + IV + ciphertext.length + TAG);
    out[0] = WRAP_VERSION;
    out.set(iv, 1);
    out.set(ciphertext, 1 + IV);
    out.set(tag, 1 + IV + ciphertext.length);
    return out;
  }

  unwrap(wrapped: Uint8Array, aad: Uint8Array): Uint8Array {
    if (wrapped.length < 1 + IV + TAG || wrapped[0] !== WRAP_VERSION) throw new Error('wrapped secret: unknown format');
    const pt = gcmOpen(this.#key, wrapped.subarray(1, 1 + IV), wrapped.subarray(1 + IV, wrapped.length - TAG), wrapped.subarray(wrapped.length - TAG), aad);
    if (!pt) throw new Error('wrapped secret: authentication failed (wrong root key or tampered store)');
    return pt;
  }

  checkValue(): string {
    return createHmac('sha256', this.#key).update('trent root key check v1').digest('hex');
  }
}

/** Reads `<dataDir>/root.key`, creating it (0600, fsync'd, atomically) when absent. */
export function loadOrCreateRootKey(dataDir: string, rng: Rng): { key: Uint8Array; created: boolean; path: string } {
  const path = join(dataDir, 'root.key');
  if (existsSync(path)) {
    const raw = readFileSync(path);
    const key = decodeRootKey(raw);
    if (!key) throw new Error(`${path} is not a root key (expected 32 bytes, or 64 hex characters)`);
    return { key, created: false, path };
  }
  const key = rng.bytes(32);
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, Buffer.from(key).toString('hex') + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return { key, created: true, path };
}

function decodeRootKey(raw: Buffer): Uint8Array | undefined {
  const text = raw.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return new Uint8Array(Buffer.from(text, 'hex'));
  if (raw.length === 32) return new Uint8Array(raw);
  return undefined;
}
