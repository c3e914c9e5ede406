import { updateAlias } from '../domain/aliases.ts';
import { AliasNameField } from './create-alias.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation({ AliasName: AliasNameField, TargetKeyId: KeyIdField }, async ({ core, call }, i) => {
  await updateAlias(core, call, i.AliasName, i.TargetKeyId);
  return {};
});
