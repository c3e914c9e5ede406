import { listKeyPolicies } from '../domain/keys-policy-tags.ts';
import { defineOperation, KeyIdField, LimitField, MarkerField } from './operation.ts';

export default defineOperation({ KeyId: KeyIdField, Limit: LimitField, Marker: MarkerField }, async ({ core, call }, i) => {
  return { PolicyNames: await listKeyPolicies(core, call, i.KeyId), Truncated: false };
});
