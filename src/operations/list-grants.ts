import { TRAITS, type Conditions } from '../domain/operation.ts';
import { listGrants } from '../domain/grants.ts';
import { S } from '../shared/validate.ts';
import { PrincipalField } from './create-grant.ts';
import { grantEntry } from './grant-shape.ts';
import { defineOperation, KeyIdField, LimitField, MarkerField } from './operation.ts';

export default defineOperation(
  {
    name: 'ListGrants',
    traits: TRAITS.read,
    key: {
      member: 'KeyId',
      alias: false,
      action: 'kms:ListGrants',
      state: 'any',
      conditions: (i): Conditions => (i.GranteePrincipal ? { 'kms:GranteePrincipal': i.GranteePrincipal } : {}),
    },
  },
  { KeyId: KeyIdField, Limit: LimitField, Marker: MarkerField, GrantId: S.string({ min: 1, max: 128 }), GranteePrincipal: PrincipalField },
  async ({ core }, i, key) => {
    const page = await listGrants(core, key, {
      limit: i.Limit ?? 50,
      ...(i.Marker !== undefined ? { marker: i.Marker } : {}),
      ...(i.GrantId !== undefined ? { grantId: i.GrantId } : {}),
      ...(i.GranteePrincipal !== undefined ? { granteePrincipal: i.GranteePrincipal } : {}),
    });
    return {
      Grants: page.grants.map((g) => grantEntry(g, key.arn)),
      Truncated: page.next !== undefined,
      ...(page.next !== undefined ? { NextMarker: page.next } : {}),
    };
  },
);
