import { TRAITS } from '../domain/operation.ts';
import { putKeyPolicy } from '../domain/keys-policy-tags.ts';
import { S } from '../shared/validate.ts';
import { PolicyNameField } from './get-key-policy.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation(
  {
    name: 'PutKeyPolicy',
    traits: TRAITS.write,
    key: {
      member: 'KeyId',
      alias: false,
      action: 'kms:PutKeyPolicy',
      state: 'any',
      conditions: (i) => ({ 'kms:BypassPolicyLockoutSafetyCheck': String(i.BypassPolicyLockoutSafetyCheck ?? false) }),
    },
  },
  {
    KeyId: KeyIdField,
    PolicyName: PolicyNameField,
    Policy: S.string({ required: true, min: 1, max: 131072, pattern: '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+' }),
    BypassPolicyLockoutSafetyCheck: S.bool(),
  },
  async ({ core, call }, i, key) => {
    await putKeyPolicy(core, call, key, i.PolicyName, i.Policy, i.BypassPolicyLockoutSafetyCheck ?? false);
    return {};
  },
);
