import { TRAITS } from '../domain/operation.ts';
import { tagResource } from '../domain/keys-policy-tags.ts';
import { defineOperation, KeyIdField, TagsField } from './operation.ts';

export default defineOperation({ name: 'TagResource', traits: TRAITS.write }, { KeyId: KeyIdField, Tags: { ...TagsField, required: true as const } }, async ({ core, call }, i) => {
  await tagResource(core, call, i.KeyId, i.Tags);
  return {};
});
