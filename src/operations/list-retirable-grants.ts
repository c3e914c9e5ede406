import { TRAITS } from '../domain/operation.ts';
import { listRetirableGrants } from '../domain/grants.ts';
import { PrincipalField } from './create-grant.ts';
import { grantEntry } from './grant-shape.ts';
import { defineOperation, LimitField, MarkerField } from './operation.ts';

export default defineOperation({ name: 'ListRetirableGrants', traits: TRAITS.list }, { RetiringPrincipal: { ...PrincipalField, required: true as const }, Limit: LimitField, Marker: MarkerField }, async ({ core, call }, i) => {
  const page = await listRetirableGrants(core, call, { retiringPrincipal: i.RetiringPrincipal, limit: i.Limit ?? 50, ...(i.Marker !== undefined ? { marker: i.Marker } : {}) });
  // One key lookup per key, not per grant: a page may hold 1,000 grants of one key.
  const arns = new Map<string, Promise<string>>();
  const arnOf = (g: { keyId: string; region: string }) => {
    const id = `${g.region}/${g.keyId}`;
    return arns.get(id) ?? arns.set(id, core.store.getKey(g).then((k) => k?.arn ?? g.keyId)).get(id)!;
  };
  const entries = await Promise.all(page.grants.map(async (g) => grantEntry(g, await arnOf(g))));
  return { Grants: entries, Truncated: page.next !== undefined, ...(page.next !== undefined ? { NextMarker: page.next } : {}) };
});
