/**
 * Opens a Trent symmetric ciphertext blob with nothing but the 32 key-material bytes and
 * node:crypto — written from the format's description (src/format/ciphertext-blob.ts), not with
 * Trent's code, so a test can prove which material a ciphertext was made with:
 *
 *   version(1) ‖ key-id kind(1) ‖ key id(16) ‖ key material id(32) ‖ IV(12) ‖ ciphertext ‖ tag(16)
 *   AAD = the 62-byte header ‖ count(u16) ‖ per pair sorted by key bytes: len(u16) key len(u16) value
 */
import { createDecipheriv } from 'node:crypto';

function context(ec: Record<string, string>): Buffer {
  const pairs = Object.entries(ec).map(([k, v]) => [Buffer.from(k), Buffer.from(v)] as const).sort((a, b) => Buffer.compare(a[0], b[0]));
  const parts: Buffer[] = [Buffer.from([pairs.length >> 8, pairs.length & 0xff])];
  for (const [k, v] of pairs) parts.push(Buffer.from([k.length >> 8, k.length & 0xff]), k, Buffer.from([v.length >> 8, v.length & 0xff]), v);
  return Buffer.concat(parts);
}

export function openBlobOffline(material: Uint8Array, blob: Uint8Array, ec: Record<string, string> = {}): { keyId: string; materialId: string; plaintext: Buffer } {
  const b = Buffer.from(blob);
  if (b[0] !== 0x01 || b[1] !== 0x00) throw new Error('not a version-1 blob of a UUID key');
  const hex = b.subarray(2, 18).toString('hex');
  const keyId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const d = createDecipheriv('aes-256-gcm', material, b.subarray(50, 62));
  d.setAAD(Buffer.concat([b.subarray(0, 62), context(ec)]));
  d.setAuthTag(b.subarray(b.length - 16));
  const plaintext = Buffer.concat([d.update(b.subarray(62, b.length - 16)), d.final()]);
  return { keyId, materialId: b.subarray(18, 50).toString('hex'), plaintext };
}
