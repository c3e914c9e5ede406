import { TRAITS } from '../domain/operation.ts';
import { getPublicKey } from '../domain/public-keys.ts';
import { defineOperation, GrantTokensField, KeyIdField } from './operation.ts';
import { keyAlgorithms, legacySpec } from './key-metadata.ts';

export default defineOperation({ name: 'GetPublicKey', traits: TRAITS.crypto }, { KeyId: KeyIdField, GrantTokens: GrantTokensField }, async ({ core, call }, i) => {
  const { key, publicKey } = await getPublicKey(core, call, { keyId: i.KeyId, ...(i.GrantTokens ? { grantTokens: i.GrantTokens } : {}) });
  return {
    KeyId: key.arn,
    PublicKey: publicKey,
    CustomerMasterKeySpec: legacySpec(key),
    KeySpec: key.keySpec,
    KeyUsage: key.keyUsage,
    ...keyAlgorithms(key),
  };
});
