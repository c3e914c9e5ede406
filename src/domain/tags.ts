/** Tag rules of AWS KMS ("Tagging keys", developer guide). */
import { TagException } from '../shared/errors.ts';
import type { Conditions } from './operation.ts';
import type { Tag } from './types.ts';

/** "You can add up to 50 tags to each KMS key" (AWS KMS quotas, tags per key). */
export const MAX_TAGS = 50;

export function checkNewTags(tags: readonly Tag[]): void {
  if (tags.length > MAX_TAGS) throw new TagException('Too many tags');
  const seen = new Set<string>();
  for (const t of tags) {
    // "Tags beginning with aws: are reserved" — any case (recorded against AWS).
    if (t.TagKey.toLowerCase().startsWith('aws:')) throw new TagException('Tags beginning with aws: are reserved');
    if (seen.has(t.TagKey)) throw new TagException('Duplicate tag keys');
    seen.add(t.TagKey);
  }
}

/** Adds or replaces tags by key, keeping the existing order, new keys appended. */
export function mergeTags(existing: readonly Tag[], added: readonly Tag[]): Tag[] {
  checkNewTags(added);
  const out = existing.map((t) => ({ ...t }));
  for (const t of added) {
    const i = out.findIndex((o) => o.TagKey === t.TagKey);
    if (i >= 0) out[i] = { ...t };
    else out.push({ ...t });
  }
  if (out.length > MAX_TAGS) throw new TagException('Too many tags');
  return out;
}

export function removeTags(existing: readonly Tag[], keys: readonly string[]): Tag[] {
  for (const k of keys) {
    if (k.toLowerCase().startsWith('aws:')) throw new TagException('Tags beginning with aws: are reserved');
  }
  const drop = new Set(keys);
  return existing.filter((t) => !drop.has(t.TagKey));
}

/** The condition keys of a request that adds `tags`: aws:TagKeys and aws:RequestTag/<key>. */
export function requestTagConditions(tags: readonly Tag[]): Conditions {
  return { 'aws:TagKeys': tags.map((t) => t.TagKey), ...Object.fromEntries(tags.map((t) => [`aws:RequestTag/${t.TagKey}`, t.TagValue])) };
}
