import { TRAITS } from '../domain/operation.ts';
import { createAlias } from '../domain/aliases.ts';
import { ValidationException } from '../shared/errors.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export const AliasNameField = S.string({ required: true, min: 1, max: 256, pattern: '^[a-zA-Z0-9:/_-]+$' });

export default defineOperation({ name: 'CreateAlias', traits: TRAITS.write }, { AliasName: AliasNameField, TargetKeyId: KeyIdField }, async ({ core, call }, i) => {
  // The model's pattern allows ':', yet AWS refuses it in a new alias's name with this message
  // (recorded in moto's suite). A name without the alias/ prefix gets the prefix error first.
  if (i.AliasName.startsWith('alias/') && i.AliasName.includes(':')) throw new ValidationException(`${i.AliasName} contains invalid characters for an alias`);
  await createAlias(core, call, i.AliasName, i.TargetKeyId);
  return {};
});
