/** The KeyMetadata structure of DescribeKey / CreateKey, as AWS returns it. */
import type { MultiRegionConfiguration } from '../domain/multi-region.ts';
import type { KeyRecord } from '../domain/types.ts';
import { keySpecInfo } from '../crypto/key-specs.ts';

/** `mrc`: a multi-Region key's MultiRegionConfiguration (multi-region.ts), present only for those. */
export function keyMetadata(k: KeyRecord, mrc?: MultiRegionConfiguration): Record<string, unknown> {
  const md: Record<string, unknown> = {
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
    CustomerMasterKeySpec: k.keySpec,
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
 * The algorithm lists DescribeKey and GetPublicKey carry: only the one matching the key's usage
 * (recorded: an ECC_NIST_P256 SIGN_VERIFY key has SigningAlgorithms ["ECDSA_SHA_256"] and no
 * EncryptionAlgorithms; an HMAC_256 key has MacAlgorithms ["HMAC_SHA_256"]).
 */
export function keyAlgorithms(k: Pick<KeyRecord, 'keySpec' | 'keyUsage'>): Record<string, string[]> {
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
