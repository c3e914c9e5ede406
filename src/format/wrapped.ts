/**
 * A secret wrapped by the root key: version ‖ IV ‖ ciphertext ‖ tag. The AAD names what the
 * secret is for (`purpose` and its owner's ids), so storage cannot swap one wrapped secret
 * for another without the unwrap failing.
 */
export const WRAP_VERSION = 0x01;

export function wrapAad(purpose: string, ...ids: string[]): Uint8Array {
  const parts = [purpose, ...ids];
  const bufs = parts.map((p) => Buffer.from(p, 'utf8'));
  const out = Buffer.alloc(bufs.reduce((n, b) => n + 2 + b.length, 0));
  let o = 0;
  for (const b of bufs) {
    o = out.writeUInt16BE(b.length, o);
    o += b.copy(out, o);
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
