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
  /** Multi-Region keys only: whether this Region's row is the primary key or a replica. */
  multiRegionKeyType?: 'PRIMARY' | 'REPLICA';
  policy: string;
  tags: Tag[];
  currentMaterialId: string;
  rotation: RotationSettings;
  /**
   * Origin EXTERNAL only, while some material is imported: KEY_MATERIAL_EXPIRES if any imported
   * material expires (DescribeKey's ExpirationModel), and the earliest of their ValidTo dates
   * (DescribeKey's ValidTo, and when the scheduler next has work on the key).
   */
  expirationModel?: ExpirationModel;
  validTo?: number;
}

export type ExpirationModel = 'KEY_MATERIAL_EXPIRES' | 'KEY_MATERIAL_DOES_NOT_EXPIRE';

/** What a material of an Origin EXTERNAL key knows of its import (ListKeyRotations' fields). */
export interface ImportedMaterial {
  /** PENDING_IMPORT once deleted (DeleteImportedKeyMaterial) or expired: the wrapped bytes are then gone. */
  importState: 'IMPORTED' | 'PENDING_IMPORT';
  /** Of the last import; absent while PENDING_IMPORT. */
  expirationModel?: ExpirationModel;
  validTo?: number;
  description?: string;
  /** Imported with ImportType NEW_KEY_MATERIAL and not yet made current by RotateKeyOnDemand. */
  pendingRotation?: true;
}

export interface MaterialRecord {
  keyId: string;
  /** 64 lowercase hex characters, as AWS's KeyMaterialId. */
  materialId: string;
  createdAt: number;
  /** The material, wrapped by the root keyring; never stored in the clear. */
  wrapped: Uint8Array;
  rotationType?: 'AUTOMATIC' | 'ON_DEMAND';
  /** When the material became current by rotation, when that is not `createdAt` (an imported material rotated in later). */
  rotatedAt?: number;
  /** Material of an Origin EXTERNAL key. While its importState is PENDING_IMPORT, `wrapped` is empty. */
  imported?: ImportedMaterial;
  /**
   * Multi-Region keys with imported material only: each Region's import of this material, by
   * Region ("you must import the same key material into related primary and replica keys … The
   * key states of related multi-Region keys are independent of each other"). `wrapped` is then
   * empty only once no Region has it imported; `imported` is not used.
   */
  importedIn?: Record<string, ImportedMaterial>;
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
  /** Sessions: the principal that called AssumeRole; the session ends when it is removed. */
  sourceArn?: string;
}

export interface GrantConstraints {
  EncryptionContextEquals?: Record<string, string>;
  EncryptionContextSubset?: Record<string, string>;
}

export interface GrantRecord {
  /** 64 lowercase hex characters. */
  grantId: string;
  keyId: string;
  /** The Region of the key row the grant is on (a multi-Region key's replicas have their own grants). */
  region: string;
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
  region: string;
  arn: string;
  deletedAt: number;
}

/**
 * How an AWS service integrated with KMS calls it on a user's behalf (S3, DynamoDB): set only by
 * Trent's own service front ends, never from a request.
 */
export interface ServiceContext {
  /** kms:ViaService, e.g. `s3.us-east-1.amazonaws.com`. */
  readonly viaService: string;
  /** CloudTrail's userIdentity.invokedBy, e.g. `s3.amazonaws.com`. */
  readonly invokedBy: string;
  /** kms:GrantIsForAWSResource on the grant operations the service makes. */
  readonly grantIsForAWSResource?: boolean;
}
