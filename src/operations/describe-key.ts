import { TRAITS } from '../domain/operation.ts';
import { multiRegionConfiguration } from '../domain/multi-region.ts';
import { defineOperation, GrantTokensField, KeyIdField } from './operation.ts';
import { keyMetadata } from './key-metadata.ts';

export default defineOperation(
  {
    name: 'DescribeKey',
    traits: TRAITS.read,
    key: { member: 'KeyId', alias: true, action: 'kms:DescribeKey', state: 'any' },
  },
  { KeyId: KeyIdField, GrantTokens: GrantTokensField },
  async ({ core }, _i, key) => ({ KeyMetadata: keyMetadata(key, await multiRegionConfiguration(core, key)) }),
);
