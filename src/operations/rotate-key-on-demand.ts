import { rotateKeyOnDemand } from '../domain/rotation.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation({ KeyId: KeyIdField }, async ({ core, call }, i) => {
  const k = await rotateKeyOnDemand(core, call, i.KeyId);
  return { KeyId: k.keyId };
});
