/** The KeyMetadata structure of DescribeKey / CreateKey, as AWS returns it. */
import type { KeyRecord } from '../domain/types.ts';
import { keySpecInfo } from '../crypto/key-specs.ts';

export function keyMetadata(k: KeyRecord): Record<string, unknown> {
  const info = keySpecInfo(k.keySpec);
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
  if (k.deletionDate !== undefined) md.DeletionDate = new Date(k.deletionDate);
  if (k.pendingWindowInDays !== undefined) md.PendingDeletionWindowInDays = k.pendingWindowInDays;
  if (k.keyUsage === 'ENCRYPT_DECRYPT') md.EncryptionAlgorithms = [...info.encryptionAlgorithms];
  if (k.origin === 'AWS_KMS' && k.keySpec === 'SYMMETRIC_DEFAULT') md.CurrentKeyMaterialId = k.currentMaterialId;
  return md;
}
