/**
 * The AWS KMS price table `trent cost` bills with (US East, N. Virginia; AWS KMS pricing page,
 * "Key storage" and "Key usage", as of 2025; the seed: "$1/month per customer managed key,
 * $0.03 per 10,000 requests, asymmetric $0.10–0.15 per 10,000").
 *
 * - Each customer managed KMS key: $1/month, prorated hourly. AWS managed keys: free.
 *   "There is no charge for customer managed KMS keys that are scheduled for deletion. If you
 *   cancel the deletion during the waiting period, the customer managed KMS key will incur
 *   charges as though it was never scheduled for deletion."
 * - Rotation: "each newly generated backing key costs an additional $1/month (prorated hourly)",
 *   capped since May 2024 at the first two rotations (a key costs at most $3/month).
 * - Requests, per 10,000: $0.03 (symmetric, HMAC, management calls, and requests involving RSA
 *   2048 keys); $0.15 for asymmetric requests except RSA 2048; $0.10 for ECC GenerateDataKeyPair;
 *   $12.00 for RSA GenerateDataKeyPair.
 * - Free tier: 20,000 requests/month per account. "Requests to the GenerateDataKeyPair and
 *   GenerateDataKeyPairWithoutPlaintext APIs and requests to APIs such as Sign, Verify, Encrypt,
 *   Decrypt, and GetPublicKey that reference asymmetric KMS keys are excluded from the free tier."
 *
 * Trent's assumptions, where the page says nothing: a request is billed when it succeeded (an
 * error is not counted); a management call (CreateKey, DescribeKey, ListKeys…) is billed at the
 * general rate whatever its key's spec; partial hours are billed as whole hours.
 */
import type { RequestClass } from '../audit/request-class.ts';

export interface PriceTable {
  readonly keyMonth: number;
  readonly rotationMonth: number;
  /** How many rotations of one key add the rotation charge. */
  readonly billedRotations: number;
  /** Dollars per 10,000 requests of each class. */
  readonly per10k: Readonly<Record<RequestClass, number>>;
  readonly freeTierRequests: number;
  /** Classes the free tier covers. */
  readonly freeTierClasses: readonly RequestClass[];
}

export const AWS_KMS_PRICES: PriceTable = Object.freeze({
  keyMonth: 1,
  rotationMonth: 1,
  billedRotations: 2,
  per10k: Object.freeze({
    general: 0.03,
    symmetric: 0.03,
    hmac: 0.03,
    'rsa-2048': 0.03,
    asymmetric: 0.15,
    'ecc-data-key-pair': 0.1,
    'rsa-data-key-pair': 12,
    none: 0,
  }),
  freeTierRequests: 20_000,
  freeTierClasses: Object.freeze(['general', 'symmetric', 'hmac'] as RequestClass[]),
});
