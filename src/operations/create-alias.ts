import { createAlias } from '../domain/aliases.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export const AliasNameField = S.string({ required: true, min: 1, max: 256, pattern: '^[a-zA-Z0-9:/_-]+$' });

export default defineOperation({ AliasName: AliasNameField, TargetKeyId: KeyIdField }, async ({ core, call }, i) => {
  await createAlias(core, call, i.AliasName, i.TargetKeyId);
  return {};
});
