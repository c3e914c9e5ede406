import { TRAITS } from '../domain/operation.ts';
import { cancelKeyDeletion } from '../domain/lifecycle.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation({ name: 'CancelKeyDeletion', traits: TRAITS.write }, { KeyId: KeyIdField }, async ({ core, call }, i) => {
  const key = await cancelKeyDeletion(core, call, i.KeyId);
  return { KeyId: key.arn };
});
