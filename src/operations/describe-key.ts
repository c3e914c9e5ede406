import { describeKey } from '../domain/lifecycle.ts';
import { defineOperation, GrantTokensField, KeyIdField } from './operation.ts';
import { keyMetadata } from './key-metadata.ts';

export default defineOperation({ KeyId: KeyIdField, GrantTokens: GrantTokensField }, async ({ core, call }, i) => {
  return { KeyMetadata: keyMetadata(await describeKey(core, call, i.KeyId)) };
});
