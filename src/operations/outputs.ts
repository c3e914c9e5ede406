/**
 * The wire contract of each operation's response: AWS's model as `@aws-sdk/client-kms` types it
 * (`EncryptResponse`, …; blobs as Uint8Array, timestamps as Date), so a handler whose answer
 * drifts from AWS's shape does not compile. Type-only: nothing of the SDK is loaded at run time.
 */
import type * as K from '@aws-sdk/client-kms';

/** An operation AWS answers with an empty body (`{}`). */
export type NoOutput = Record<string, never>;

export interface KmsOutputs {
  CancelKeyDeletion: K.CancelKeyDeletionResponse;
  CreateAlias: NoOutput;
  CreateGrant: K.CreateGrantResponse;
  CreateKey: K.CreateKeyResponse;
  Decrypt: K.DecryptResponse;
  DeleteAlias: NoOutput;
  DeleteImportedKeyMaterial: K.DeleteImportedKeyMaterialResponse;
  DeriveSharedSecret: K.DeriveSharedSecretResponse;
  DescribeKey: K.DescribeKeyResponse;
  DisableKey: NoOutput;
  DisableKeyRotation: NoOutput;
  EnableKey: NoOutput;
  EnableKeyRotation: NoOutput;
  Encrypt: K.EncryptResponse;
  GenerateDataKey: K.GenerateDataKeyResponse;
  GenerateDataKeyPair: K.GenerateDataKeyPairResponse;
  GenerateDataKeyPairWithoutPlaintext: K.GenerateDataKeyPairWithoutPlaintextResponse;
  GenerateDataKeyWithoutPlaintext: K.GenerateDataKeyWithoutPlaintextResponse;
  GenerateMac: K.GenerateMacResponse;
  GenerateRandom: K.GenerateRandomResponse;
  GetKeyPolicy: K.GetKeyPolicyResponse;
  GetKeyRotationStatus: K.GetKeyRotationStatusResponse;
  GetParametersForImport: K.GetParametersForImportResponse;
  GetPublicKey: K.GetPublicKeyResponse;
  ImportKeyMaterial: K.ImportKeyMaterialResponse;
  ListAliases: K.ListAliasesResponse;
  ListGrants: K.ListGrantsResponse;
  ListKeyPolicies: K.ListKeyPoliciesResponse;
  ListKeyRotations: K.ListKeyRotationsResponse;
  ListKeys: K.ListKeysResponse;
  ListResourceTags: K.ListResourceTagsResponse;
  ListRetirableGrants: K.ListGrantsResponse;
  PutKeyPolicy: NoOutput;
  ReEncrypt: K.ReEncryptResponse;
  ReplicateKey: K.ReplicateKeyResponse;
  RetireGrant: NoOutput;
  RevokeGrant: NoOutput;
  RotateKeyOnDemand: K.RotateKeyOnDemandResponse;
  ScheduleKeyDeletion: K.ScheduleKeyDeletionResponse;
  Sign: K.SignResponse;
  TagResource: NoOutput;
  UntagResource: NoOutput;
  UpdateAlias: NoOutput;
  UpdateKeyDescription: NoOutput;
  UpdatePrimaryRegion: NoOutput;
  Verify: K.VerifyResponse;
  VerifyMac: K.VerifyMacResponse;
}

export type OperationName = keyof KmsOutputs;
