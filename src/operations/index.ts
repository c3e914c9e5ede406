/**
 * The dispatch table: every operation's declaration by AWS's name. Typed by the operation names
 * of AWS's model (outputs.ts): an operation named there but not declared here is a compile
 * error, and so is a declaration whose answer is not the model's.
 */
import type { Declaration } from '../domain/operation.ts';
import type { Operation } from './operation.ts';
import type { KmsOutputs, OperationName } from './outputs.ts';
import cancelKeyDeletion from './cancel-key-deletion.ts';
import createAlias from './create-alias.ts';
import createGrant from './create-grant.ts';
import createKey from './create-key.ts';
import decrypt from './decrypt.ts';
import deleteAlias from './delete-alias.ts';
import describeKey from './describe-key.ts';
import disableKey from './disable-key.ts';
import disableKeyRotation from './disable-key-rotation.ts';
import enableKey from './enable-key.ts';
import enableKeyRotation from './enable-key-rotation.ts';
import encrypt from './encrypt.ts';
import generateDataKey from './generate-data-key.ts';
import generateDataKeyWithoutPlaintext from './generate-data-key-without-plaintext.ts';
import generateRandom from './generate-random.ts';
import getKeyPolicy from './get-key-policy.ts';
import getKeyRotationStatus from './get-key-rotation-status.ts';
import listAliases from './list-aliases.ts';
import listGrants from './list-grants.ts';
import listKeyPolicies from './list-key-policies.ts';
import listKeyRotations from './list-key-rotations.ts';
import listKeys from './list-keys.ts';
import listResourceTags from './list-resource-tags.ts';
import listRetirableGrants from './list-retirable-grants.ts';
import putKeyPolicy from './put-key-policy.ts';
import reEncrypt from './re-encrypt.ts';
import retireGrant from './retire-grant.ts';
import revokeGrant from './revoke-grant.ts';
import rotateKeyOnDemand from './rotate-key-on-demand.ts';
import scheduleKeyDeletion from './schedule-key-deletion.ts';
import tagResource from './tag-resource.ts';
import untagResource from './untag-resource.ts';
import updateAlias from './update-alias.ts';
import updateKeyDescription from './update-key-description.ts';
// Asymmetric, HMAC and key-agreement keys.
import deriveSharedSecret from './derive-shared-secret.ts';
import generateDataKeyPair from './generate-data-key-pair.ts';
import generateDataKeyPairWithoutPlaintext from './generate-data-key-pair-without-plaintext.ts';
import generateMac from './generate-mac.ts';
import getPublicKey from './get-public-key.ts';
import sign from './sign.ts';
import verify from './verify.ts';
import verifyMac from './verify-mac.ts';
// Imported key material.
import deleteImportedKeyMaterial from './delete-imported-key-material.ts';
import getParametersForImport from './get-parameters-for-import.ts';
import importKeyMaterial from './import-key-material.ts';
// Multi-Region keys.
import replicateKey from './replicate-key.ts';
import updatePrimaryRegion from './update-primary-region.ts';

export const OPERATIONS: Readonly<{ [N in OperationName]: Declaration<any, KmsOutputs[N]> }> = Object.freeze({
  DeleteImportedKeyMaterial: deleteImportedKeyMaterial,
  GetParametersForImport: getParametersForImport,
  ImportKeyMaterial: importKeyMaterial,
  ReplicateKey: replicateKey,
  UpdatePrimaryRegion: updatePrimaryRegion,
  DeriveSharedSecret: deriveSharedSecret,
  GenerateDataKeyPair: generateDataKeyPair,
  GenerateDataKeyPairWithoutPlaintext: generateDataKeyPairWithoutPlaintext,
  GenerateMac: generateMac,
  GetPublicKey: getPublicKey,
  Sign: sign,
  Verify: verify,
  VerifyMac: verifyMac,
  CancelKeyDeletion: cancelKeyDeletion,
  CreateAlias: createAlias,
  CreateGrant: createGrant,
  CreateKey: createKey,
  Decrypt: decrypt,
  DeleteAlias: deleteAlias,
  DescribeKey: describeKey,
  DisableKey: disableKey,
  DisableKeyRotation: disableKeyRotation,
  EnableKey: enableKey,
  EnableKeyRotation: enableKeyRotation,
  Encrypt: encrypt,
  GenerateDataKey: generateDataKey,
  GenerateDataKeyWithoutPlaintext: generateDataKeyWithoutPlaintext,
  GenerateRandom: generateRandom,
  GetKeyPolicy: getKeyPolicy,
  GetKeyRotationStatus: getKeyRotationStatus,
  ListAliases: listAliases,
  ListGrants: listGrants,
  ListRetirableGrants: listRetirableGrants,
  RetireGrant: retireGrant,
  RevokeGrant: revokeGrant,
  ListKeyPolicies: listKeyPolicies,
  ListKeyRotations: listKeyRotations,
  ListKeys: listKeys,
  ListResourceTags: listResourceTags,
  PutKeyPolicy: putKeyPolicy,
  ReEncrypt: reEncrypt,
  RotateKeyOnDemand: rotateKeyOnDemand,
  ScheduleKeyDeletion: scheduleKeyDeletion,
  TagResource: tagResource,
  UntagResource: untagResource,
  UpdateAlias: updateAlias,
  UpdateKeyDescription: updateKeyDescription,
});

export function lookupOperation(name: string): Operation | undefined {
  return Object.prototype.hasOwnProperty.call(OPERATIONS, name) ? OPERATIONS[name as OperationName] : undefined;
}

export type { Operation, OpContext } from './operation.ts';
export type { KmsOutputs, OperationName } from './outputs.ts';
