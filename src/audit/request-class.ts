/**
 * The request class AWS prices a KMS request by (AWS KMS pricing, "Key usage"): symmetric and
 * HMAC keys and RSA 2048 keys at the general rate, other asymmetric keys at the asymmetric rate,
 * GenerateDataKeyPair by the pair's type. Recorded with each audit line, so a bill can be
 * computed from the audit files alone, even for keys deleted since.
 */
import type { Billing } from '../domain/operation.ts';

export type RequestClass =
  | 'general'
  | 'symmetric'
  | 'hmac'
  | 'rsa-2048'
  | 'asymmetric'
  | 'ecc-data-key-pair'
  | 'rsa-data-key-pair'
  /** Not a KMS request AWS would bill: STS, or a caller that was never identified. */
  | 'none';

export function classOfKeySpec(keySpec: string): RequestClass {
  if (keySpec === 'SYMMETRIC_DEFAULT') return 'symmetric';
  if (keySpec.startsWith('HMAC_')) return 'hmac';
  if (keySpec === 'RSA_2048') return 'rsa-2048';
  return 'asymmetric';
}

export function requestClass(billing: Billing, keySpec: string | undefined, keyPairSpec: unknown): RequestClass {
  switch (billing) {
    case 'general':
      return 'general';
    case 'data-key-pair':
      return typeof keyPairSpec === 'string' && keyPairSpec.startsWith('RSA_') ? 'rsa-data-key-pair' : 'ecc-data-key-pair';
    case 'key':
      return keySpec === undefined ? 'general' : classOfKeySpec(keySpec);
  }
}
