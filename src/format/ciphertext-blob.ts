/**
 * Trent's symmetric ciphertext blob. It describes itself, and decode checks every field:
 *
 *   offset  size  field
 *   0       1     format version (0x01)
 *   1       1     key id kind: 0 = UUID key id, 1 = multi-Region `mrk-` key id
 *   2       16    key id (the UUID's or the mrk suffix's 16 bytes)
 *   18      32    key material id (KeyMaterialId, 64 hex chars in AWS's API)
 *   50      12    AES-GCM IV (fresh per call)
 *   62      n     ciphertext
 *   62+n    16    GCM tag
 *
 * The 62-byte header is authenticated: AAD = header ‖ canonical encryption context.
 */
export const BLOB_VERSION = 0x01;
export const HEADER_LENGTH = 62;
export const TAG_LENGTH = 16;
export const IV_LENGTH = 12;

export interface BlobHeader {
  keyId: string;
  materialId: string;
  iv: Uint8Array;
}

export interface DecodedBlob extends BlobHeader {
  header: Uint8Array;
  ciphertext: Uint8Array;
  tag: Uint8Array;
}

function keyIdToBytes(keyId: string): { kind: number; bytes: Buffer } {
  if (keyId.startsWith('mrk-')) return { kind: 1, bytes: Buffer.from(keyId.slice(4), 'hex') };
  return { kind: 0, bytes: Buffer.from(keyId.replace(/-/g, ''), 'hex') };
}

function keyIdFromBytes(kind: number, b: Uint8Array): string | undefined {
  const hex = Buffer.from(b).toString('hex');
  if (kind === 1) return `mrk-${hex}`;
  if (kind === 0) return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return undefined;
}

export function encodeHeader(h: BlobHeader): Uint8Array {
  const out = Buffer.alloc(HEADER_LENGTH);
  const id = keyIdToBytes(h.keyId);
  const mat = Buffer.from(h.materialId, 'hex');
  if (id.bytes.length !== 16 || mat.length !== 32 || h.iv.length !== IV_LENGTH) throw new RangeError('bad blob header field');
  out[0] = BLOB_VERSION;
  out[1] = id.kind;
  id.bytes.copy(out, 2);
  mat.copy(out, 18);
  out.set(h.iv, 50);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

export function assemble(header: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Uint8Array {
  const out = new Uint8Array(header.length + ciphertext.length + tag.length);
  out.set(header, 0);
  out.set(ciphertext, header.length);
  out.set(tag, header.length + ciphertext.length);
  return out;
}

/** Returns undefined for anything that is not a well-formed Trent blob: the caller answers the one decrypt failure. */
export function decodeBlob(blob: Uint8Array): DecodedBlob | undefined {
  if (blob.length < HEADER_LENGTH + TAG_LENGTH) return undefined;
  if (blob[0] !== BLOB_VERSION) return undefined;
  const keyId = keyIdFromBytes(blob[1]!, blob.subarray(2, 18));
  if (keyId === undefined) return undefined;
  return {
    keyId,
    materialId: Buffer.from(blob.subarray(18, 50)).toString('hex'),
    iv: blob.subarray(50, 62),
    header: blob.subarray(0, HEADER_LENGTH),
    ciphertext: blob.subarray(HEADER_LENGTH, blob.length - TAG_LENGTH),
    tag: blob.subarray(blob.length - TAG_LENGTH),
  };
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
