import { TRAITS } from '../domain/operation.ts';
import { listRetirableGrants } from '../domain/grants.ts';
import { PrincipalField } from './create-grant.ts';
import { grantEntry } from './grant-shape.ts';
import { defineOperation, LimitField, MarkerField } from './operation.ts';

export default defineOperation({ name: 'ListRetirableGrants', traits: TRAITS.list }, { RetiringPrincipal: { ...PrincipalField, required: true as const }, Limit: LimitField, Marker: MarkerField }, async ({ core, call }, i) => {
  const page = await listRetirableGrants(core, call, { retiringPrincipal: i.RetiringPrincipal, limit: i.Limit ?? 50, ...(i.Marker !== undefined ? { marker: i.Marker } : {}) });
  return { Grants: page.grants.map((g) => grantEntry(g.grant, g.keyArn)), Truncated: page.next !== undefined, ...(page.next !== undefined ? { NextMarker: page.next } : {}) };
});
