import { TRAITS } from '../domain/operation.ts';
import { untagResource } from '../domain/keys-policy-tags.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation({ name: 'UntagResource', traits: TRAITS.write }, { KeyId: KeyIdField, TagKeys: S.list(S.string({ min: 1, max: 128 }), { required: true }) }, async ({ core, call }, i) => {
  await untagResource(core, call, i.KeyId, i.TagKeys);
  return {};
});
