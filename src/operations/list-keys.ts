import { TRAITS } from '../domain/operation.ts';
import { listKeys } from '../domain/lifecycle.ts';
import { defineOperation, LimitField, MarkerField } from './operation.ts';

export default defineOperation({ name: 'ListKeys', traits: TRAITS.list }, { Limit: LimitField, Marker: MarkerField }, async ({ core, call }, i) => {
  const page = await listKeys(core, call, i.Limit ?? 100, i.Marker);
  return {
    Keys: page.keys.map((k) => ({ KeyId: k.keyId, KeyArn: k.arn })),
    Truncated: page.next !== undefined,
    ...(page.next !== undefined ? { NextMarker: page.next } : {}),
  };
});
