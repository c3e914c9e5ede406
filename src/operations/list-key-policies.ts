import { TRAITS } from '../domain/operation.ts';
import { InvalidMarkerException } from '../shared/errors.ts';
import { defineOperation, KeyIdField, LimitField, MarkerField } from './operation.ts';

export default defineOperation(
  {
    name: 'ListKeyPolicies',
    traits: TRAITS.read,
    key: { member: 'KeyId', alias: false, action: 'kms:ListKeyPolicies', state: 'any' },
    // A key has one policy ("default"), so the answer is never truncated and never carries a
    // NextMarker (any Limit, 1 to 1000, holds it): no Marker can be one Trent issued.
    check: (i) => {
      if (i.Marker !== undefined) throw new InvalidMarkerException('Invalid marker: ListKeyPolicies is never truncated, so no marker continues it.');
    },
  },
  { KeyId: KeyIdField, Limit: LimitField, Marker: MarkerField },
  async () => ({ PolicyNames: ['default'], Truncated: false }),
);
