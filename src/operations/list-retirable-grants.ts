import { listRetirableGrants } from '../domain/grants.ts';
import { PrincipalField } from './create-grant.ts';
import { grantEntry } from './grant-shape.ts';
import { defineOperation, LimitField, MarkerField } from './operation.ts';

export default defineOperation({ RetiringPrincipal: { ...PrincipalField, required: true as const }, Limit: LimitField, Marker: MarkerField }, async ({ core, call }, i) => {
  const page = await listRetirableGrants(core, call, { retiringPrincipal: i.RetiringPrincipal, limit: i.Limit ?? 50, ...(i.Marker !== undefined ? { marker: i.Marker } : {}) });
  const entries = await Promise.all(
    page.grants.map(async (g) => grantEntry(g, (await core.store.getKey(g.keyId))?.arn ?? g.keyId)),
  );
  return { Grants: entries, Truncated: page.next !== undefined, ...(page.next !== undefined ? { NextMarker: page.next } : {}) };
});
