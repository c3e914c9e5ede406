/** Constant time and length-hiding: compares SHA-256 digests of two secrets, never the secrets themselves. */
import { createHash, timingSafeEqual } from 'node:crypto';

export function sameSecret(provided: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(provided), digest(expected));
}
