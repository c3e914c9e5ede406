/**
 * Importing key material (BYOK): GetParametersForImport, ImportKeyMaterial,
 * DeleteImportedKeyMaterial, and the expiry of imported material at its ValidTo.
 *
 * The material reaches Trent wrapped under a one-time RSA public key; it is unwrapped here,
 * checked against the key spec, wrapped by the root keyring like generated material, and only
 * then handed to the store. The wrapping private key never reaches the store at all: it travels
 * inside the import token, sealed by the root keyring and bound to the key (format/import-token.ts).
 */
import { checkImportedMaterial, importedMaterialId } from '../crypto/imported-material.ts';
import {
  generateWrappingKeyPair, unwrapKeyMaterial, wrappingAlgorithmByCode, wrappingAlgorithmInfo, wrappingKeySpecByCode, wrappingKeySpecInfo,
  type WrappingAlgorithm, type WrappingKeySpec,
} from '../crypto/import-wrapping.ts';
import { keySpecInfo } from '../crypto/key-specs.ts';
import { assembleImportToken, decodeImportToken, encodeImportTokenHeader, importTokenAad } from '../format/import-token.ts';
import {
  ExpiredImportTokenException, IncorrectKeyMaterialException, InvalidCiphertextException, InvalidImportTokenException, NotFoundException,
  UnsupportedOperationException, ValidationException,
} from '../shared/errors.ts';
import type { Core } from './core.ts';
import { expiredMaterialIds, materialsInRegion, materialToStore, planDeletion, planImport, type ImportType } from './imported-materials.ts';
import { assertState } from './key-state.ts';
import { StoreConflictError } from './ports.ts';
import type { ExpirationModel, KeyRecord, MaterialRecord } from './types.ts';

const HOUR_MS = 3_600_000;
/** "Each public key and import token set is valid for 24 hours" (GetParametersForImport reference). */
export const IMPORT_PARAMETERS_VALID_MS = 24 * HOUR_MS;
/** ValidTo: "The value of this parameter must be a future date and time. The maximum value is 365 days from the request date." */
export const MAX_VALID_TO_MS = 365 * 24 * HOUR_MS;

/**
 * "[9] If the KMS key cannot or does not have imported key material: UnsupportedOperationException";
 * recorded against AWS: "<arn> origin is AWS_KMS which is not valid for this operation."
 */
function assertExternal(key: KeyRecord): void {
  if (key.origin !== 'EXTERNAL') throw new UnsupportedOperationException(`${key.arn} origin is ${key.origin} which is not valid for this operation.`);
}

/** "[8] If the KMS key has imported key material: KMSInvalidStateException" (Pending Deletion column). */
function assertNotPendingDeletion(key: KeyRecord): void {
  assertState(key, 'manage');
}

/** Writes the change `plan` makes to the latest key and its materials, re-deciding on a lost race. */
async function writeMaterials<T>(core: Core, first: KeyRecord, plan: (key: KeyRecord, materials: MaterialRecord[]) => { key: KeyRecord; written: MaterialRecord[]; result: T }): Promise<T & { key: KeyRecord }> {
  let key = first;
  for (let attempt = 0; ; attempt++) {
    const stored = await core.store.listMaterials(key.keyId);
    // A multi-Region key's Region sees, and changes, only its own imports (imported-materials.ts).
    const p = plan(key, materialsInRegion(key, stored));
    const written = p.written.map((m) => materialToStore(key, stored.find((s) => s.materialId === m.materialId), m));
    try {
      await core.store.putMaterials(p.key, key.version, written);
      return { ...p.result, key: p.key };
    } catch (e) {
      if (!(e instanceof StoreConflictError) || attempt >= 8) throw e;
      const fresh = await core.store.getKey(key);
      if (!fresh) throw new NotFoundException(`Key '${key.arn}' does not exist`);
      key = fresh;
    }
  }
}

export interface ImportParameters {
  key: KeyRecord;
  importToken: Uint8Array;
  publicKey: Uint8Array;
  validTo: number;
}

/**
 * GetParametersForImport for `key`, authorized for kms:GetParametersForImport with
 * kms:WrappingAlgorithm and kms:WrappingKeySpec; its origin and state are checked here.
 */
export async function getParametersForImport(core: Core, key: KeyRecord, p: { wrappingAlgorithm: WrappingAlgorithm; wrappingKeySpec: WrappingKeySpec }): Promise<ImportParameters> {
  const algorithm = wrappingAlgorithmInfo(p.wrappingAlgorithm);
  const spec = wrappingKeySpecInfo(p.wrappingKeySpec);
  assertExternal(key);
  assertNotPendingDeletion(key);
  if (algorithm.unsupportedReason !== undefined) throw new ValidationException(algorithm.unsupportedReason);
  if (spec.unsupportedReason !== undefined || spec.modulusBits === undefined) throw new ValidationException(spec.unsupportedReason ?? `Wrapping key spec ${spec.name} is not supported.`);
  const pair = await generateWrappingKeyPair(spec.modulusBits);
  const validTo = core.now() + IMPORT_PARAMETERS_VALID_MS;
  const header = encodeImportTokenHeader({ algorithmCode: algorithm.code, keySpecCode: spec.code, validTo });
  try {
    const importToken = assembleImportToken(header, core.keyring.wrap(pair.privateKeyDer, importTokenAad(key.arn, header)));
    return { key, importToken, publicKey: pair.publicKeyDer, validTo };
  } finally {
    pair.privateKeyDer.fill(0);
  }
}

export interface ImportInput {
  importToken: Uint8Array;
  encryptedKeyMaterial: Uint8Array;
  expirationModel?: ExpirationModel;
  validTo?: Date;
  importType?: ImportType;
  keyMaterialDescription?: string;
  keyMaterialId?: string;
}

/** "The default is KEY_MATERIAL_EXPIRES" (ImportKeyMaterial reference). */
export const DEFAULT_EXPIRATION_MODEL: ExpirationModel = 'KEY_MATERIAL_EXPIRES';

/** ImportKeyMaterial's checks of the request alone, answered before the key is looked up. */
export function checkImportRequest(p: { expirationModel?: ExpirationModel | undefined; validTo?: Date | undefined; importType?: ImportType | undefined; keyMaterialId?: string | undefined }): void {
  // "The default is KEY_MATERIAL_EXPIRES … When the value of ExpirationModel is KEY_MATERIAL_EXPIRES,
  // you must specify a value for the ValidTo parameter. When value is KEY_MATERIAL_DOES_NOT_EXPIRE,
  // you must omit the ValidTo parameter."
  const expirationModel = p.expirationModel ?? DEFAULT_EXPIRATION_MODEL;
  if (expirationModel === 'KEY_MATERIAL_EXPIRES' && p.validTo === undefined) {
    throw new ValidationException('A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES'); // recorded against AWS
  }
  if (expirationModel === 'KEY_MATERIAL_DOES_NOT_EXPIRE' && p.validTo !== undefined) {
    throw new ValidationException('A validTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE');
  }
  // "You cannot specify a key material ID with ImportType set to NEW_KEY_MATERIAL."
  if (p.importType === 'NEW_KEY_MATERIAL' && p.keyMaterialId !== undefined) {
    throw new ValidationException('You cannot specify a key material ID with ImportType set to NEW_KEY_MATERIAL.');
  }
}

/** The condition keys of an ImportKeyMaterial request: kms:ExpirationModel, and kms:ValidTo when given (in seconds). */
export function importConditions(p: { expirationModel?: ExpirationModel | undefined; validTo?: Date | undefined }): Record<string, string> {
  return {
    'kms:ExpirationModel': p.expirationModel ?? DEFAULT_EXPIRATION_MODEL,
    ...(p.validTo !== undefined ? { 'kms:ValidTo': String(p.validTo.getTime() / 1000) } : {}),
  };
}

/** Opens the import token for this key: the wrapping private key and algorithm, or AWS's token errors. */
function openToken(core: Core, key: KeyRecord, token: Uint8Array, now: number): { privateKeyDer: Uint8Array; algorithm: NonNullable<ReturnType<typeof wrappingAlgorithmByCode>> } {
  // "The request was rejected because the provided import token is invalid or is associated with a different KMS key."
  const invalid = () => new InvalidImportTokenException('The import token is invalid or is associated with a different KMS key.');
  const decoded = decodeImportToken(token);
  const algorithm = decoded && wrappingAlgorithmByCode(decoded.algorithmCode);
  if (!decoded || !algorithm || !wrappingKeySpecByCode(decoded.keySpecCode)) throw invalid();
  let privateKeyDer: Uint8Array;
  try {
    privateKeyDer = core.keyring.unwrap(decoded.wrappedPrivateKey, importTokenAad(key.arn, decoded.header));
  } catch {
    throw invalid();
  }
  if (decoded.validTo <= now) {
    privateKeyDer.fill(0);
    throw new ExpiredImportTokenException('The import token is expired. Use GetParametersForImport to get a new import token and public key, use the new public key to encrypt the key material, and then try the request again.');
  }
  return { privateKeyDer, algorithm };
}

/**
 * ImportKeyMaterial into a multi-Region key: "You must import the same key material into related
 * primary and replica keys"; new key material goes into the primary first — "You cannot directly
 * import new key material into the replica Region keys" (ImportKeyMaterial reference). A replica
 * therefore only takes a material its key already has (EXISTING_KEY_MATERIAL, the default there),
 * and a second material (rotation on demand of a multi-Region key with imported material, AWS's
 * PENDING_MULTI_REGION_IMPORT_AND_ROTATION) is not supported by Trent.
 */
function assertMultiRegionImport(key: KeyRecord, materials: readonly MaterialRecord[], importType: ImportType | undefined, materialId: string): void {
  if (importType !== 'NEW_KEY_MATERIAL') return;
  if (key.multiRegionKeyType === 'REPLICA') {
    throw new UnsupportedOperationException(`${key.arn} is a multi-Region replica key. Import new key material into its primary key, then the same key material into this key with ImportType EXISTING_KEY_MATERIAL.`);
  }
  // (The same material again is planImport's IncorrectKeyMaterialException, as for every key.)
  if (materials.length > 0 && !materials.some((m) => m.materialId === materialId)) {
    throw new UnsupportedOperationException(`${key.arn} is a multi-Region key that already has key material. New key material for multi-Region keys is not supported by this version of Trent.`);
  }
}

/**
 * ImportKeyMaterial into `key`, authorized for kms:ImportKeyMaterial (importConditions) after
 * checkImportRequest; its origin, state and the material are checked here.
 */
export async function importKeyMaterial(core: Core, key: KeyRecord, p: ImportInput): Promise<{ key: KeyRecord; materialId: string }> {
  const expirationModel = p.expirationModel ?? DEFAULT_EXPIRATION_MODEL;
  const validTo = p.validTo?.getTime();
  assertExternal(key);
  assertNotPendingDeletion(key);
  const symmetric = key.keySpec === 'SYMMETRIC_DEFAULT';
  // ImportType, KeyMaterialDescription, KeyMaterialId: "This parameter is optional and only usable with symmetric encryption keys."
  if (!symmetric && (p.keyMaterialDescription !== undefined || p.keyMaterialId !== undefined)) {
    throw new ValidationException('KeyMaterialDescription and KeyMaterialId are only usable with symmetric encryption keys.');
  }
  const now = core.now();
  if (validTo !== undefined && validTo <= now) throw new ValidationException('The ValidTo date must be a future date and time.');
  if (validTo !== undefined && validTo > now + MAX_VALID_TO_MS) throw new ValidationException('The ValidTo date must be no more than 365 days from the request date.');

  const { privateKeyDer, algorithm } = openToken(core, key, p.importToken, now);
  let raw: Uint8Array | undefined;
  try {
    raw = unwrapKeyMaterial(privateKeyDer, algorithm, p.encryptedKeyMaterial);
  } finally {
    privateKeyDer.fill(0);
  }
  // "From the ImportKeyMaterial operation, the request was rejected because KMS could not decrypt the encrypted (wrapped) key material."
  if (!raw) throw new InvalidCiphertextException();
  const checked = checkImportedMaterial(keySpecInfo(key.keySpec).material, raw);
  raw.fill(0);
  // "The request was rejected because the key material in the request is, expired, invalid, or does not meet expectations."
  if (!checked.ok) throw new IncorrectKeyMaterialException(`The key material in the request is not valid for KMS key ${key.keyId} (${key.keySpec}): ${checked.reason}.`);
  const plain = checked.material;
  const materialId = importedMaterialId(key.keyId, plain);
  const wrapped = core.wrapMaterial(key.keyId, materialId, plain);
  const done = await writeMaterials(core, key, (k, materials) => {
    if (k.multiRegion) assertMultiRegionImport(k, materials, p.importType, materialId);
    const plan = planImport(k, materials, {
      materialId,
      wrapped,
      now,
      expirationModel,
      ...(validTo !== undefined ? { validTo } : {}),
      ...(p.importType !== undefined ? { importType: p.importType } : {}),
      ...(p.keyMaterialDescription !== undefined ? { description: p.keyMaterialDescription } : {}),
      ...(p.keyMaterialId !== undefined ? { keyMaterialId: p.keyMaterialId } : {}),
    });
    return { key: plan.key, written: [plan.material], result: {} };
  });
  core.cacheMaterial(key.keyId, materialId, plain);
  return { key: done.key, materialId };
}

/** DeleteImportedKeyMaterial of `key`, authorized for kms:DeleteImportedKeyMaterial; its origin is checked here. */
export async function deleteImportedKeyMaterial(core: Core, key: KeyRecord, p: { keyMaterialId?: string }): Promise<{ key: KeyRecord; materialId?: string }> {
  assertExternal(key);
  const done = await writeMaterials<{ materialId?: string }>(core, key, (k, materials) => {
    // "If no KeyMaterialId is specified, KMS deletes the current key material."
    const target = p.keyMaterialId ?? (k.currentMaterialId !== '' ? k.currentMaterialId : undefined);
    if (p.keyMaterialId !== undefined && !materials.some((m) => m.materialId === p.keyMaterialId)) {
      throw new NotFoundException(`Key material ${p.keyMaterialId} is not associated with KMS key ${k.arn}.`);
    }
    // A key that never had material: "Pending Import: ✓ (No effect)" (key-state table).
    if (target === undefined) return { key: { ...k, version: k.version + 1 }, written: [], result: {} };
    const plan = planDeletion(k, materials, [target]);
    return { key: plan.key, written: plan.written, result: { materialId: target } };
  });
  core.forgetKey(key.keyId);
  return done;
}

/**
 * The scheduler's job: "If you set an expiration date, KMS deletes the key material from the KMS
 * key on the specified date, making the KMS key unusable" (ImportKeyMaterial reference). Idempotent:
 * a material already deleted is not expired again. Returns the ids of the materials it deleted.
 */
export async function expireImportedMaterial(core: Core, key: KeyRecord, now: number): Promise<{ key: KeyRecord; expired: string[] }> {
  const done = await writeMaterials(core, key, (k, materials) => {
    const expired = expiredMaterialIds(now, materials);
    const plan = planDeletion(k, materials, expired);
    return { key: plan.key, written: plan.written, result: { expired } };
  });
  if (done.expired.length > 0) core.forgetKey(key.keyId);
  return done;
}
