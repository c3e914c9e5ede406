import { TRAITS } from '../domain/operation.ts';
import { deleteAlias } from '../domain/aliases.ts';
import { AliasNameField } from './create-alias.ts';
import { defineOperation } from './operation.ts';

export default defineOperation({ name: 'DeleteAlias', traits: TRAITS.write }, { AliasName: AliasNameField }, async ({ core, call }, i) => {
  await deleteAlias(core, call, i.AliasName);
  return {};
});
