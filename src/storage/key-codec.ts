/** How a KeyRecord is kept as a document by the SQL adapters (shared, so both stores agree). */
import type { KeyRecord } from '../domain/types.ts';

export function keyToDoc(k: KeyRecord): string {
  return JSON.stringify(k);
}

export function keyFromDoc(doc: string): KeyRecord {
  return JSON.parse(doc) as KeyRecord;
}

/** Columns the scheduler and listings query without parsing the document. */
export function keyColumns(k: KeyRecord) {
  return {
    key_id: k.keyId,
    account: k.account,
    region: k.region,
    version: k.version,
    state: k.state,
    deletion_at: k.deletionDate ?? null,
    // The next time the scheduler has work on the key besides deletion: automatic rotation, or
    // the expiry of imported material (EXTERNAL keys never rotate automatically; both count).
    next_rotation_at: nextJobAt(k),
    doc: keyToDoc(k),
  };
}

function nextJobAt(k: KeyRecord): number | null {
  // A multi-Region replica mirrors its primary's rotation settings but is never rotated itself:
  // the primary's rotation adds the material every Region shares.
  const rotation = rotates(k) ? k.rotation.nextRotationAt : undefined;
  if (rotation === undefined) return k.validTo ?? null;
  return k.validTo === undefined ? rotation : Math.min(rotation, k.validTo);
}

/** Whether the scheduler rotates this key row automatically when its date comes. */
export function rotates(k: KeyRecord): boolean {
  return k.rotation.enabled && k.multiRegionKeyType !== 'REPLICA';
}
