import { TRAITS } from '../domain/operation.ts';
import { getKeyPolicy } from '../domain/keys-policy-tags.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export const PolicyNameField = S.string({ min: 1, max: 128, pattern: '[\\w]+' });

export default defineOperation({ name: 'GetKeyPolicy', traits: TRAITS.read }, { KeyId: KeyIdField, PolicyName: PolicyNameField }, async ({ core, call }, i) => {
  return { Policy: await getKeyPolicy(core, call, i.KeyId, i.PolicyName), PolicyName: 'default' };
});
