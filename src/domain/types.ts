/** Records the domain keeps. Times are epoch milliseconds. */
import type { KeySpec, KeyUsage } from '../crypto/key-specs.ts';

export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion' | 'PendingImport' | 'PendingReplicaDeletion' | 'Unavailable' | 'Creating' | 'Updating';
export type Origin = 'AWS_KMS' | 'EXTERNAL' | 'AWS_CLOUDHSM' | 'EXTERNAL_KEY_STORE';

export interface Tag {
  TagKey: string;
  TagValue: string;
}

export interface RotationSettings {
  enabled: boolean;
  periodDays?: number;
  /** When automatic rotation is next due (epoch ms), if enabled. */
  nextRotationAt?: number;
  onDemandCount: number;
  onDemandStartedAt?: number;
}

export interface KeyRecord {
  keyId: string;
  arn: string;
  account: string;
  region: string;
  /** Bumped on every change; optimistic concurrency and cache validation. */
  version: number;
  createdAt: number;
  description: string;
  keySpec: KeySpec;
  keyUsage: KeyUsage;
  origin: Origin;
  keyManager: 'CUSTOMER' | 'AWS';
  state: KeyState;
  deletionDate?: number;
  pendingWindowInDays?: number;
  multiRegion: boolean;
  policy: string;
  tags: Tag[];
  currentMaterialId: string;
  rotation: RotationSettings;
}

export interface MaterialRecord {
  keyId: string;
  /** 64 lowercase hex characters, as AWS's KeyMaterialId. */
  materialId: string;
  createdAt: number;
  /** The material, wrapped by the root keyring; never stored in the clear. */
  wrapped: Uint8Array;
  rotationType?: 'AUTOMATIC' | 'ON_DEMAND';
}

export interface AliasRecord {
  account: string;
  region: string;
  aliasName: string;
  targetKeyId: string;
  createdAt: number;
  updatedAt: number;
}

export type PrincipalType = 'Root' | 'IAMUser' | 'AssumedRole' | 'FederatedUser' | 'AWSService';

export interface Principal {
  arn: string;
  accountId: string;
  type: PrincipalType;
  /** aws:userid */
  userId: string;
  accessKeyId?: string;
}

export interface AccessKeyRecord {
  accessKeyId: string;
  principalArn: string;
  accountId: string;
  /** The secret access key wrapped by the root keyring (SigV4 needs the secret itself). */
  wrappedSecret: Uint8Array;
  createdAt: number;
  sessionToken?: string;
  expiresAt?: number;
}

export interface GrantConstraints {
  EncryptionContextEquals?: Record<string, string>;
  EncryptionContextSubset?: Record<string, string>;
}

export interface GrantRecord {
  /** 64 lowercase hex characters. */
  grantId: string;
  keyId: string;
  /** The account root ARN of the account that created the grant. */
  issuingAccount: string;
  granteePrincipal: string;
  retiringPrincipal?: string;
  operations: string[];
  constraints?: GrantConstraints;
  name?: string;
  createdAt: number;
  /** Secret part of the grant token (base64url); the token names the grant and carries this. */
  tokenSecret: string;
}

export interface DeletedKeyRecord {
  keyId: string;
  arn: string;
  deletedAt: number;
}
