/** HMAC (RFC 2104) for GenerateMac / VerifyMac; verification compares in constant time. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { HashName } from './key-specs.ts';

export function hmac(hash: HashName, key: Uint8Array, message: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac(hash, key).update(message).digest());
}

export function hmacVerify(hash: HashName, key: Uint8Array, message: Uint8Array, mac: Uint8Array): boolean {
  const expected = hmac(hash, key, message);
  return expected.length === mac.length && timingSafeEqual(expected, mac);
}
