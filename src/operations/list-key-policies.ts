import { TRAITS } from '../domain/operation.ts';
import { listKeyPolicies } from '../domain/keys-policy-tags.ts';
import { InvalidMarkerException } from '../shared/errors.ts';
import { defineOperation, KeyIdField, LimitField, MarkerField } from './operation.ts';

export default defineOperation({ name: 'ListKeyPolicies', traits: TRAITS.read }, { KeyId: KeyIdField, Limit: LimitField, Marker: MarkerField }, async ({ core, call }, i) => {
  // A key has one policy ("default"), so the answer is never truncated and never carries a
  // NextMarker (any Limit, 1 to 1000, holds it): no Marker can be one Trent issued.
  if (i.Marker !== undefined) throw new InvalidMarkerException('Invalid marker: ListKeyPolicies is never truncated, so no marker continues it.');
  return { PolicyNames: await listKeyPolicies(core, call, i.KeyId), Truncated: false };
});
