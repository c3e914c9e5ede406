/** AES-256-GCM on node:crypto. `open` returns undefined on any authentication failure. */
import { createCipheriv, createDecipheriv } from 'node:crypto';

export function gcmSeal(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): { ciphertext: Uint8Array; tag: Uint8Array } {
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(aad);
  const ct = Buffer.concat([c.update(plaintext), c.final()]);
  return { ciphertext: new Uint8Array(ct.buffer, ct.byteOffset, ct.length), tag: new Uint8Array(c.getAuthTag()) };
}

export function gcmOpen(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
  try {
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAAD(aad);
    d.setAuthTag(tag);
    const pt = Buffer.concat([d.update(ciphertext), d.final()]);
    return new Uint8Array(pt.buffer, pt.byteOffset, pt.length);
  } catch {
    return undefined;
  }
}
