import { getPublicKey } from '../domain/public-keys.ts';
import { defineOperation, GrantTokensField, KeyIdField } from './operation.ts';
import { keyAlgorithms } from './key-metadata.ts';

export default defineOperation({ KeyId: KeyIdField, GrantTokens: GrantTokensField }, async ({ core, call }, i) => {
  const { key, publicKey } = await getPublicKey(core, call, { keyId: i.KeyId, ...(i.GrantTokens ? { grantTokens: i.GrantTokens } : {}) });
  return {
    KeyId: key.arn,
    PublicKey: publicKey,
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    KeyUsage: key.keyUsage,
    ...keyAlgorithms(key),
  };
});
