import { TRAITS } from '../domain/operation.ts';
import { listAliases } from '../domain/aliases.ts';
import { defineOperation, LimitField, MarkerField, OptionalKeyIdField } from './operation.ts';

export default defineOperation({ name: 'ListAliases', traits: TRAITS.list }, { KeyId: OptionalKeyIdField, Limit: LimitField, Marker: MarkerField }, async ({ core, call }, i) => {
  const page = await listAliases(core, call, { ...(i.KeyId !== undefined ? { keyId: i.KeyId } : {}), limit: i.Limit ?? 100, ...(i.Marker !== undefined ? { marker: i.Marker } : {}) });
  return {
    Aliases: page.aliases.map((a) => ({
      AliasName: a.aliasName,
      AliasArn: core.aliasArn(a.region, a.account, a.aliasName),
      TargetKeyId: a.targetKeyId,
      CreationDate: new Date(a.createdAt),
      LastUpdatedDate: new Date(a.updatedAt),
    })),
    Truncated: page.next !== undefined,
    ...(page.next !== undefined ? { NextMarker: page.next } : {}),
  };
});
