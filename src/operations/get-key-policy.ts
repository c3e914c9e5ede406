import { TRAITS } from '../domain/operation.ts';
import { getKeyPolicy } from '../domain/keys-policy-tags.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export const PolicyNameField = S.string({ min: 1, max: 128, pattern: '[\\w]+' });

export default defineOperation(
  {
    name: 'GetKeyPolicy',
    traits: TRAITS.read,
    key: { member: 'KeyId', alias: false, action: 'kms:GetKeyPolicy', state: 'any' },
  },
  { KeyId: KeyIdField, PolicyName: PolicyNameField },
  async (_ctx, i, key) => ({ Policy: getKeyPolicy(key, i.PolicyName), PolicyName: 'default' }),
);
