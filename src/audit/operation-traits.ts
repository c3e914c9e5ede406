/**
 * Per-operation facts the audit trail and the meter need: CloudTrail's `readOnly`, whether
 * CloudTrail writes `responseElements` (null for cryptographic and read operations), whether the
 * keys the request touched are its `resources`, and how AWS bills the request.
 *
 * An operation missing here (one added later) gets the safe default: not read-only, response
 * elements kept (after redaction), resources listed, billed by the spec of the key it used.
 */
export type Billing =
  /** By the spec of the KMS key used: symmetric, HMAC, RSA 2048, other asymmetric. */
  | 'key'
  /** GenerateDataKeyPair*: by the KeyPairSpec asked for (RSA or ECC pair). */
  | 'data-key-pair'
  /** A management or listing call: the general request price. */
  | 'general';

export interface OperationTraits {
  readonly readOnly: boolean;
  readonly responseElements: boolean;
  readonly resources: boolean;
  readonly billing: Billing;
}

const crypto: OperationTraits = { readOnly: true, responseElements: false, resources: true, billing: 'key' };
const read: OperationTraits = { readOnly: true, responseElements: false, resources: true, billing: 'general' };
const list: OperationTraits = { readOnly: true, responseElements: false, resources: false, billing: 'general' };
const write: OperationTraits = { readOnly: false, responseElements: true, resources: true, billing: 'general' };

export const DEFAULT_TRAITS: OperationTraits = { readOnly: false, responseElements: true, resources: true, billing: 'key' };

const TRAITS: Readonly<Record<string, OperationTraits>> = Object.freeze({
  Encrypt: crypto,
  Decrypt: crypto,
  ReEncrypt: crypto,
  GenerateDataKey: crypto,
  GenerateDataKeyWithoutPlaintext: crypto,
  GenerateDataKeyPair: { ...crypto, billing: 'data-key-pair' },
  GenerateDataKeyPairWithoutPlaintext: { ...crypto, billing: 'data-key-pair' },
  Sign: crypto,
  Verify: crypto,
  GenerateMac: crypto,
  VerifyMac: crypto,
  DeriveSharedSecret: crypto,
  GetPublicKey: crypto,
  GenerateRandom: { ...crypto, resources: false, billing: 'general' },
  DescribeKey: read,
  GetKeyPolicy: read,
  GetKeyRotationStatus: read,
  ListKeyPolicies: read,
  ListKeyRotations: read,
  ListResourceTags: read,
  ListGrants: read,
  ListKeys: list,
  ListAliases: list,
  ListRetirableGrants: list,
  CreateKey: write,
  CreateAlias: write,
  UpdateAlias: write,
  DeleteAlias: write,
  CreateGrant: write,
  RetireGrant: write,
  RevokeGrant: write,
  EnableKey: write,
  DisableKey: write,
  EnableKeyRotation: write,
  DisableKeyRotation: write,
  RotateKeyOnDemand: write,
  ScheduleKeyDeletion: write,
  CancelKeyDeletion: write,
  PutKeyPolicy: write,
  TagResource: write,
  UntagResource: write,
  UpdateKeyDescription: write,
  ReplicateKey: write,
  UpdatePrimaryRegion: write,
  GetParametersForImport: read,
  ImportKeyMaterial: write,
  DeleteImportedKeyMaterial: write,
  // STS on Trent's endpoint.
  AssumeRole: { ...write, resources: false, billing: 'general' },
  GetCallerIdentity: list,
});

export function traitsOf(eventName: string): OperationTraits {
  return Object.prototype.hasOwnProperty.call(TRAITS, eventName) ? TRAITS[eventName]! : DEFAULT_TRAITS;
}
