import { TRAITS } from '../domain/operation.ts';
import { rotateKeyOnDemand } from '../domain/rotation.ts';
import { defineOperation, KeyIdField } from './operation.ts';

export default defineOperation({ name: 'RotateKeyOnDemand', traits: TRAITS.write }, { KeyId: KeyIdField }, async ({ core, call }, i) => {
  const k = await rotateKeyOnDemand(core, call, i.KeyId);
  return { KeyId: k.keyId };
});
