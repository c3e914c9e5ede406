/** The KeyMetadata structure of DescribeKey / CreateKey, as AWS returns it. */
import type { CustomerMasterKeySpec, KeyMetadata } from '@aws-sdk/client-kms';
import type { MultiRegionConfiguration } from '../domain/multi-region.ts';
import type { KeyRecord } from '../domain/types.ts';
import { keySpecInfo } from '../crypto/key-specs.ts';

/** `mrc`: a multi-Region key's MultiRegionConfiguration (multi-region.ts), present only for those. */
export function keyMetadata(k: KeyRecord, mrc?: MultiRegionConfiguration): KeyMetadata {
  const md: KeyMetadata = {
    AWSAccountId: k.account,
    KeyId: k.keyId,
    Arn: k.arn,
    CreationDate: new Date(k.createdAt),
    Enabled: k.state === 'Enabled',
    Description: k.description,
    KeyUsage: k.keyUsage,
    KeyState: k.state,
    Origin: k.origin,
    KeyManager: k.keyManager,
    CustomerMasterKeySpec: legacySpec(k),
    KeySpec: k.keySpec,
    MultiRegion: k.multiRegion,
  };
  if (mrc) md.MultiRegionConfiguration = mrc;
  if (k.deletionDate !== undefined) md.DeletionDate = new Date(k.deletionDate);
  if (k.pendingWindowInDays !== undefined) md.PendingDeletionWindowInDays = k.pendingWindowInDays;
  Object.assign(md, keyAlgorithms(k));
  // "present for symmetric encryption keys with AWS_KMS or EXTERNAL origin" — once an EXTERNAL key has material (recorded).
  if ((k.origin === 'AWS_KMS' || k.origin === 'EXTERNAL') && k.keySpec === 'SYMMETRIC_DEFAULT' && k.currentMaterialId !== '') md.CurrentKeyMaterialId = k.currentMaterialId;
  // "present only for KMS keys whose Origin is EXTERNAL", while material is imported (recorded).
  if (k.expirationModel !== undefined) md.ExpirationModel = k.expirationModel;
  if (k.validTo !== undefined) md.ValidTo = new Date(k.validTo);
  return md;
}

/**
 * The deprecated CustomerMasterKeySpec: AWS answers it with the key spec itself, also for the
 * specs added after the member was deprecated (the SDK's enum for it stops at those of its time).
 */
export function legacySpec(k: Pick<KeyRecord, 'keySpec'>): CustomerMasterKeySpec {
  return k.keySpec as CustomerMasterKeySpec;
}

/**
 * The algorithm lists DescribeKey and GetPublicKey carry: only the one matching the key's usage
 * (recorded: an ECC_NIST_P256 SIGN_VERIFY key has SigningAlgorithms ["ECDSA_SHA_256"] and no
 * EncryptionAlgorithms; an HMAC_256 key has MacAlgorithms ["HMAC_SHA_256"]).
 */
export function keyAlgorithms(k: Pick<KeyRecord, 'keySpec' | 'keyUsage'>): Pick<KeyMetadata, 'EncryptionAlgorithms' | 'SigningAlgorithms' | 'MacAlgorithms' | 'KeyAgreementAlgorithms'> {
  const info = keySpecInfo(k.keySpec);
  switch (k.keyUsage) {
    case 'ENCRYPT_DECRYPT':
      return { EncryptionAlgorithms: [...info.encryptionAlgorithms] };
    case 'SIGN_VERIFY':
      return { SigningAlgorithms: [...info.signingAlgorithms] };
    case 'GENERATE_VERIFY_MAC':
      return { MacAlgorithms: [...info.macAlgorithms] };
    case 'KEY_AGREEMENT':
      return { KeyAgreementAlgorithms: [...info.keyAgreementAlgorithms] };
  }
}
