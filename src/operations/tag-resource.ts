import { TRAITS } from '../domain/operation.ts';
import { tagResource } from '../domain/keys-policy-tags.ts';
import { requestTagConditions } from '../domain/tags.ts';
import { defineOperation, KeyIdField, TagsField } from './operation.ts';

export default defineOperation(
  {
    name: 'TagResource',
    traits: TRAITS.write,
    key: { member: 'KeyId', alias: false, action: 'kms:TagResource', state: 'manage', conditions: (i) => requestTagConditions(i.Tags) },
  },
  { KeyId: KeyIdField, Tags: { ...TagsField, required: true as const } },
  async ({ core }, i, key) => {
    await tagResource(core, key, i.Tags);
    return {};
  },
);
