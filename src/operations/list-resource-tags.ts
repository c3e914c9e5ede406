import { TRAITS } from '../domain/operation.ts';
import { decodeMarker, encodeMarker } from '../domain/lifecycle.ts';
import { defineOperation, KeyIdField, LimitField, MarkerField } from './operation.ts';

/** The index of the first tag of the page a Marker continues. */
const startOf = (marker: string | undefined): number => (marker !== undefined ? Number(decodeMarker(marker, (s) => /^\d{1,4}$/.test(s))) : 0);

export default defineOperation(
  {
    name: 'ListResourceTags',
    traits: TRAITS.read,
    key: { member: 'KeyId', alias: false, action: 'kms:ListResourceTags', state: 'any' },
    check: (i) => void startOf(i.Marker),
  },
  { KeyId: KeyIdField, Limit: LimitField, Marker: MarkerField },
  async (_ctx, i, key) => {
    const start = startOf(i.Marker);
    const limit = i.Limit ?? 50;
    const page = key.tags.slice(start, start + limit);
    const more = start + limit < key.tags.length;
    return { Tags: page, Truncated: more, ...(more ? { NextMarker: encodeMarker(String(start + limit)) } : {}) };
  },
);
