/**
 * The one canonical encoding of an encryption context, used as AES-GCM additional data.
 * Pairs are sorted by the UTF-8 bytes of their keys; the count and every key and value are
 * length-prefixed (uint16 big-endian), so `{"ab":"c"}` and `{"a":"bc"}` never encode alike
 * (the ambiguity other emulators have with bare concatenation). This mirrors the AWS
 * Encryption SDK's serialization of the encryption context (message-format spec, "AAD").
 */
export type EncryptionContext = Readonly<Record<string, string>>;

export function canonicalContext(ctx: EncryptionContext | undefined): Uint8Array {
  const entries = Object.entries(ctx ?? {}).map(([k, v]) => [Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')] as const);
  entries.sort((a, b) => Buffer.compare(a[0], b[0]));
  let size = 2;
  for (const [k, v] of entries) size += 4 + k.length + v.length;
  const out = Buffer.alloc(size);
  let o = out.writeUInt16BE(entries.length, 0);
  for (const [k, v] of entries) {
    if (k.length > 0xffff || v.length > 0xffff) throw new RangeError('encryption context entry too long');
    o = out.writeUInt16BE(k.length, o);
    o += k.copy(out, o);
    o = out.writeUInt16BE(v.length, o);
    o += v.copy(out, o);
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
