/**
 * The rules of keys with imported key material (Origin EXTERNAL), as pure functions of the key
 * and its materials: the key state their import states imply, the key's expiry summary, and
 * what importing, deleting or expiring one material writes. `import.ts` and the scheduler act on
 * what these decide.
 */
import { IncorrectKeyMaterialException, KMSInvalidStateException, UnsupportedOperationException } from '../shared/errors.ts';
import type { ExpirationModel, ImportedMaterial, KeyRecord, KeyState, MaterialRecord } from './types.ts';
import { isPendingDeletion } from './key-state.ts';

export type ImportType = 'NEW_KEY_MATERIAL' | 'EXISTING_KEY_MATERIAL';

export const isImported = (m: MaterialRecord): boolean => m.imported?.importState === 'IMPORTED';

/**
 * "The PendingImport state applies only to KMS keys with imported key material. When any key
 * material for an imported key is deleted or it expires, then the state changes from Enabled to
 * PendingImport" (developer guide, "Key states of AWS KMS keys"); "When this operation is
 * successful, the state of the KMS key changes to Enabled … For symmetric encryption keys, you will
 * need to import all of the key materials associated with the KMS key to change its state to
 * Enabled" (ImportKeyMaterial reference). A key pending deletion keeps that state: "When the
 * specified KMS key is in the PendingDeletion state, this operation does not change the KMS key's
 * state" (DeleteImportedKeyMaterial reference). A Disabled key whose materials are all imported
 * stays Disabled: only EnableKey enables a disabled key.
 */
export function importedKeyState(key: KeyRecord, materials: readonly MaterialRecord[]): KeyState {
  if (isPendingDeletion(key)) return key.state;
  const complete = materials.length > 0 && materials.every(isImported);
  if (!complete) return 'PendingImport';
  return key.state === 'Disabled' ? 'Disabled' : 'Enabled';
}

/**
 * DescribeKey's ExpirationModel and ValidTo: "ValidTo: The earliest time at which any imported key
 * material permanently associated with this KMS key expires" (KeyMetadata reference); absent when
 * no material is imported (recorded: DescribeKey after DeleteImportedKeyMaterial has neither).
 */
export function expirySummary(materials: readonly MaterialRecord[]): { expirationModel?: ExpirationModel; validTo?: number } {
  const imported = materials.filter(isImported);
  if (imported.length === 0) return {};
  const dates = imported.flatMap((m) => (m.imported?.expirationModel === 'KEY_MATERIAL_EXPIRES' && m.imported.validTo !== undefined ? [m.imported.validTo] : []));
  return dates.length > 0 ? { expirationModel: 'KEY_MATERIAL_EXPIRES', validTo: Math.min(...dates) } : { expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' };
}

/** The key record after its materials changed to `materials`: state and expiry summary follow them. */
export function withMaterials(key: KeyRecord, materials: readonly MaterialRecord[], over: Partial<KeyRecord> = {}): KeyRecord {
  const { expirationModel: _m, validTo: _v, ...rest } = key;
  const next: KeyRecord = { ...rest, ...over, ...expirySummary(materials) };
  return { ...next, state: importedKeyState(next, materials) };
}

/** `materials` with `m` in place of the material of the same id, or added at the end. */
export function replaced(materials: readonly MaterialRecord[], m: MaterialRecord): MaterialRecord[] {
  return materials.some((x) => x.materialId === m.materialId) ? materials.map((x) => (x.materialId === m.materialId ? m : x)) : [...materials, m];
}

export interface ImportRequest {
  materialId: string;
  wrapped: Uint8Array;
  now: number;
  importType?: ImportType;
  expirationModel: ExpirationModel;
  validTo?: number;
  description?: string;
  /** KeyMaterialId of the request, when given. */
  keyMaterialId?: string;
}

/**
 * What one ImportKeyMaterial writes: the material record (new, or the re-imported one) and the
 * key record after it. Throws the KmsError AWS answers when the material may not be imported.
 */
export function planImport(key: KeyRecord, materials: readonly MaterialRecord[], r: ImportRequest): { key: KeyRecord; material: MaterialRecord } {
  const symmetric = key.keySpec === 'SYMMETRIC_DEFAULT';
  // "If no key material has ever been imported into the KMS key, and this parameter is omitted,
  // the parameter defaults to NEW_KEY_MATERIAL. After the first key material is imported, if this
  // parameter is omitted then the parameter defaults to EXISTING_KEY_MATERIAL."
  const importType = r.importType ?? (materials.length === 0 ? 'NEW_KEY_MATERIAL' : 'EXISTING_KEY_MATERIAL');
  const existing = materials.find((m) => m.materialId === r.materialId);
  // "When you re-import key material with a specified key material ID, KMS: Computes the identifier
  // for the key material, Matches the computed identifier against the specified key material ID,
  // Verifies that the key material ID is already associated with the KMS key."
  if (r.keyMaterialId !== undefined && r.keyMaterialId !== r.materialId) {
    throw new IncorrectKeyMaterialException(`The key material in the request does not match the key material ID ${r.keyMaterialId}.`);
  }
  const imported: ImportedMaterial = {
    importState: 'IMPORTED',
    expirationModel: r.expirationModel,
    ...(r.validTo !== undefined ? { validTo: r.validTo } : {}),
  };
  let material: MaterialRecord;
  let over: Partial<KeyRecord> = {};
  if (importType === 'NEW_KEY_MATERIAL') {
    // "KMS expected new key material but the key material being imported is already associated with the KMS key" (IncorrectKeyMaterialException).
    if (existing) throw new IncorrectKeyMaterialException(`The key material in the request is already associated with KMS key ${key.keyId} (key material ID ${r.materialId}); import it with ImportType EXISTING_KEY_MATERIAL.`);
    if (materials.length > 0) {
      // "For asymmetric and HMAC keys, you cannot change the key material after the initial import."
      if (!symmetric) throw new UnsupportedOperationException(`${key.arn} already has key material. You cannot import new key material into an asymmetric or HMAC KMS key.`);
      const pending = materials.find((m) => m.imported?.pendingRotation);
      if (pending) {
        // Recorded against AWS (ImportKeyMaterial with a material already PENDING_ROTATION).
        throw new KMSInvalidStateException(`New key material (id: ${r.materialId}) cannot be imported into KMS key ${key.keyId}, because another key material (id: ${pending.materialId}) is pending rotation.`);
      }
    } else {
      over = { currentMaterialId: r.materialId };
    }
    material = {
      keyId: key.keyId,
      materialId: r.materialId,
      createdAt: r.now,
      wrapped: r.wrapped,
      imported: { ...imported, ...(r.description !== undefined ? { description: r.description } : {}), ...(materials.length > 0 ? { pendingRotation: true as const } : {}) },
    };
  } else {
    // "After you successfully import key material into a KMS key, you can reimport the same key material … but you cannot import different key material."
    if (!existing) {
      throw new IncorrectKeyMaterialException(
        materials.length === 0
          ? `KMS key ${key.keyId} has no key material to re-import: import it with ImportType NEW_KEY_MATERIAL.`
          : `The key material in the request is not key material previously imported into KMS key ${key.keyId}.`,
      );
    }
    // "If you do not specify a key material description, KMS retains the value you specified when you last imported the same key material."
    const description = r.description ?? existing.imported?.description;
    material = {
      ...existing,
      wrapped: r.wrapped,
      imported: { ...imported, ...(description !== undefined ? { description } : {}), ...(existing.imported?.pendingRotation ? { pendingRotation: true as const } : {}) },
    };
  }
  const after = replaced(materials, material);
  return { key: { ...withMaterials(key, after, over), version: key.version + 1 }, material };
}

/**
 * The material with its bytes deleted: "Deletes key material that was previously imported …
 * To restore the usability of the KMS key, reimport the same key material" (DeleteImportedKeyMaterial
 * reference). The record stays, so a re-import is recognised by its KeyMaterialId.
 */
export function withoutBytes(m: MaterialRecord): MaterialRecord {
  const { expirationModel: _m, validTo: _v, importState: _s, ...keep } = m.imported ?? { importState: 'PENDING_IMPORT' as const };
  return { ...m, wrapped: new Uint8Array(0), imported: { importState: 'PENDING_IMPORT', ...keep } };
}

/** What deleting the given materials' bytes writes (DeleteImportedKeyMaterial, or expiry). */
export function planDeletion(key: KeyRecord, materials: readonly MaterialRecord[], materialIds: readonly string[]): { key: KeyRecord; written: MaterialRecord[] } {
  const written = materials.filter((m) => materialIds.includes(m.materialId)).map(withoutBytes);
  let after: MaterialRecord[] = [...materials];
  for (const m of written) after = replaced(after, m);
  return { key: { ...withMaterials(key, after), version: key.version + 1 }, written };
}

/** Pure: does imported material of this key expire at or before `now`? The scheduler then deletes it. */
export function isExpiryDue(now: number, key: KeyRecord): boolean {
  return key.origin === 'EXTERNAL' && key.validTo !== undefined && key.validTo <= now;
}

/** The imported materials whose ValidTo is at or before `now`. */
export function expiredMaterialIds(now: number, materials: readonly MaterialRecord[]): string[] {
  return materials
    .filter((m) => isImported(m) && m.imported?.expirationModel === 'KEY_MATERIAL_EXPIRES' && m.imported.validTo !== undefined && m.imported.validTo <= now)
    .map((m) => m.materialId);
}

/**
 * Multi-Region keys with imported material: "AWS KMS does not copy or synchronize the key
 * material from a primary key with imported key material to its replica keys. You must import
 * the same key material into related primary and replica keys … You set the expiration model and
 * expiration dates for each key independently … The key states of related multi-Region keys are
 * independent of each other" (developer guide, "Importing key material into multi-Region keys").
 * The materials belong to the key id as for every multi-Region key; each Region's import of one
 * is kept in its `importedIn`. These two functions translate: a Region sees its materials as a
 * single-Region key sees its own, so the rules above apply unchanged.
 */
export function hasRegionalImports(key: KeyRecord): boolean {
  return key.origin === 'EXTERNAL' && key.multiRegion;
}

/** The materials as the key's Region sees them: its own import state, and no bytes where it has none. */
export function materialsInRegion(key: KeyRecord, materials: readonly MaterialRecord[]): MaterialRecord[] {
  if (!hasRegionalImports(key)) return [...materials];
  return materials.map((m) => {
    const { importedIn, imported: _i, ...rest } = m;
    const imported = importedIn?.[key.region] ?? { importState: 'PENDING_IMPORT' as const };
    return { ...rest, imported, wrapped: imported.importState === 'IMPORTED' ? m.wrapped : new Uint8Array(0) };
  });
}

/**
 * What to store for a material the key's Region changed (`written`, as that Region sees it), given
 * the stored record: the Region's import state replaced, the bytes kept while any Region has them.
 */
export function materialToStore(key: KeyRecord, stored: MaterialRecord | undefined, written: MaterialRecord): MaterialRecord {
  if (!hasRegionalImports(key)) return written;
  const { imported, ...rest } = written;
  const importedIn = { ...(stored?.importedIn ?? {}), [key.region]: imported ?? { importState: 'PENDING_IMPORT' as const } };
  const held = Object.values(importedIn).some((i) => i.importState === 'IMPORTED');
  const wrapped = written.wrapped.length > 0 ? written.wrapped : held && stored ? stored.wrapped : new Uint8Array(0);
  return { ...rest, wrapped, importedIn };
}
