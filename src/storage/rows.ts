/**
 * How the SQL adapters (SQLite, PostgreSQL) map records to table rows and back: one mapping, so
 * both stores keep the same columns and read them the same way. Rows arrive as column-name
 * objects; parameters leave as arrays in the column order of each adapter's INSERT statement
 * (the order is written beside each function). The key document itself is in key-codec.ts.
 */
import type { AccessKeyRecord, AliasRecord, DeletedKeyRecord, GrantRecord, KeyRecord, MaterialRecord } from '../domain/types.ts';
import { keyFromDoc } from './key-codec.ts';

export type Row = Record<string, unknown>;

/**
 * Epoch milliseconds from an integer column: `pg` hands back int8 as a string (it may exceed
 * 2^53; epoch milliseconds never do), better-sqlite3 a number.
 */
const num = (v: unknown): number => Number(v);

/** A BLOB / bytea column (a Buffer from either driver) as the Uint8Array records hold. */
const bytes = (b: unknown): Uint8Array => {
  const buf = b as Buffer;
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
};

/**
 * The material fields kept as one JSON column (`materials.meta`): what an imported material
 * knows of its import, and a rotation date that is not its creation date. NULL when the
 * material has neither, as every material made before they existed.
 */
function materialMetaToDoc(m: MaterialRecord): string | null {
  if (m.rotatedAt === undefined && m.imported === undefined && m.importedIn === undefined) return null;
  return JSON.stringify({
    ...(m.rotatedAt !== undefined ? { rotatedAt: m.rotatedAt } : {}),
    ...(m.imported !== undefined ? { imported: m.imported } : {}),
    ...(m.importedIn !== undefined ? { importedIn: m.importedIn } : {}),
  });
}

function materialMetaFromDoc(doc: unknown): Pick<MaterialRecord, 'rotatedAt' | 'imported' | 'importedIn'> {
  if (typeof doc !== 'string') return {};
  return JSON.parse(doc) as Pick<MaterialRecord, 'rotatedAt' | 'imported' | 'importedIn'>;
}

export function keyFromRow(r: Row): KeyRecord {
  return keyFromDoc(r.doc as string);
}

/** materials(key_id, material_id, created_at, wrapped, rotation_type, meta) */
export function materialParams(m: MaterialRecord): unknown[] {
  return [m.keyId, m.materialId, m.createdAt, m.wrapped, m.rotationType ?? null, materialMetaToDoc(m)];
}

export function materialFromRow(r: Row): MaterialRecord {
  return {
    keyId: r.key_id as string,
    materialId: r.material_id as string,
    createdAt: num(r.created_at),
    wrapped: bytes(r.wrapped),
    ...(r.rotation_type ? { rotationType: r.rotation_type as MaterialRecord['rotationType'] } : {}),
    ...materialMetaFromDoc(r.meta),
  };
}

/** aliases(account, region, alias_name, target_key_id, created_at, updated_at) */
export function aliasParams(a: AliasRecord): unknown[] {
  return [a.account, a.region, a.aliasName, a.targetKeyId, a.createdAt, a.updatedAt];
}

export function aliasFromRow(r: Row): AliasRecord {
  return {
    account: r.account as string,
    region: r.region as string,
    aliasName: r.alias_name as string,
    targetKeyId: r.target_key_id as string,
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

/** grants(region, key_id, grant_id, grantee_principal, retiring_principal, doc): the columns grants are looked up by, and the whole record as a document. */
export function grantParams(g: GrantRecord): unknown[] {
  return [g.region, g.keyId, g.grantId, g.granteePrincipal, g.retiringPrincipal ?? null, JSON.stringify(g)];
}

export function grantFromRow(r: Row): GrantRecord {
  return JSON.parse(r.doc as string) as GrantRecord;
}

export function deletedKeyFromRow(r: Row): DeletedKeyRecord {
  return { keyId: r.key_id as string, region: r.region as string, arn: r.arn as string, deletedAt: num(r.deleted_at) };
}

/** access_keys(access_key_id, principal_arn, account_id, wrapped_secret, created_at, session_token, expires_at, source_arn) */
export function accessKeyParams(rec: AccessKeyRecord): unknown[] {
  return [rec.accessKeyId, rec.principalArn, rec.accountId, rec.wrappedSecret, rec.createdAt, rec.sessionToken ?? null, rec.expiresAt ?? null, rec.sourceArn ?? null];
}

export function accessKeyFromRow(r: Row): AccessKeyRecord {
  return {
    accessKeyId: r.access_key_id as string,
    principalArn: r.principal_arn as string,
    accountId: r.account_id as string,
    wrappedSecret: bytes(r.wrapped_secret),
    createdAt: num(r.created_at),
    ...(r.session_token ? { sessionToken: r.session_token as string } : {}),
    ...(r.expires_at !== null && r.expires_at !== undefined ? { expiresAt: num(r.expires_at) } : {}),
    ...(r.source_arn ? { sourceArn: r.source_arn as string } : {}),
  };
}
