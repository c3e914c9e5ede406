import { TRAITS } from '../domain/operation.ts';
import { updateAlias } from '../domain/aliases.ts';
import { AliasNameField } from './create-alias.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation({ name: 'UpdateAlias', traits: TRAITS.write }, { AliasName: AliasNameField, TargetKeyId: KeyIdField }, async ({ core, call }, i) => {
  await updateAlias(core, call, i.AliasName, i.TargetKeyId);
  return {};
});
