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
    next_rotation_at: k.rotation.enabled ? (k.rotation.nextRotationAt ?? null) : null,
    doc: keyToDoc(k),
  };
}
