import { TRAITS } from '../domain/operation.ts';
import { decodeMarker, encodeMarker } from '../domain/lifecycle.ts';
import { listResourceTags } from '../domain/keys-policy-tags.ts';
import { defineOperation, KeyIdField, LimitField, MarkerField } from './operation.ts';

export default defineOperation({ name: 'ListResourceTags', traits: TRAITS.read }, { KeyId: KeyIdField, Limit: LimitField, Marker: MarkerField }, async ({ core, call }, i) => {
  const start = i.Marker !== undefined ? Number(decodeMarker(i.Marker, (s) => /^\d{1,4}$/.test(s))) : 0;
  const tags = await listResourceTags(core, call, i.KeyId);
  const limit = i.Limit ?? 50;
  const page = tags.slice(start, start + limit);
  const more = start + limit < tags.length;
  return { Tags: page, Truncated: more, ...(more ? { NextMarker: encodeMarker(String(start + limit)) } : {}) };
});
