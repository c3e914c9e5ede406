import { TRAITS } from '../domain/operation.ts';
import { untagResource } from '../domain/keys-policy-tags.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation(
  {
    name: 'UntagResource',
    traits: TRAITS.write,
    key: { member: 'KeyId', alias: false, action: 'kms:UntagResource', state: 'manage', conditions: (i) => ({ 'aws:TagKeys': i.TagKeys }) },
  },
  { KeyId: KeyIdField, TagKeys: S.list(S.string({ min: 1, max: 128 }), { required: true }) },
  async ({ core }, i, key) => {
    await untagResource(core, key, i.TagKeys);
    return {};
  },
);
