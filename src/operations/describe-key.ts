import { TRAITS } from '../domain/operation.ts';
import { describeKey } from '../domain/lifecycle.ts';
import { multiRegionConfiguration } from '../domain/multi-region.ts';
import { defineOperation, GrantTokensField, KeyIdField } from './operation.ts';
import { keyMetadata } from './key-metadata.ts';

export default defineOperation({ name: 'DescribeKey', traits: TRAITS.read }, { KeyId: KeyIdField, GrantTokens: GrantTokensField }, async ({ core, call }, i) => {
  const key = await describeKey(core, call, i.KeyId);
  return { KeyMetadata: keyMetadata(key, await multiRegionConfiguration(core, key)) };
});
