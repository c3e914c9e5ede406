import { cancelKeyDeletion } from '../domain/lifecycle.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation({ KeyId: KeyIdField }, async ({ core, call }, i) => {
  const key = await cancelKeyDeletion(core, call, i.KeyId);
  return { KeyId: key.arn };
});
