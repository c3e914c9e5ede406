import { TRAITS } from '../domain/operation.ts';
import { getPublicKey } from '../domain/public-keys.ts';
import { defineOperation, GrantTokensField, KeyIdField } from './operation.ts';
import { keyAlgorithms, legacySpec } from './key-metadata.ts';

export default defineOperation(
  { name: 'GetPublicKey', traits: TRAITS.crypto, key: { member: 'KeyId', alias: true, action: 'kms:GetPublicKey', state: 'crypto' } },
  { KeyId: KeyIdField, GrantTokens: GrantTokensField },
  async ({ core }, _i, key) => ({
    KeyId: key.arn,
    PublicKey: await getPublicKey(core, key),
    CustomerMasterKeySpec: legacySpec(key),
    KeySpec: key.keySpec,
    KeyUsage: key.keyUsage,
    ...keyAlgorithms(key),
  }),
);
