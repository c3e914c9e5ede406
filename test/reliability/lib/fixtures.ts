/** Keys and blobs the wire and ciphertext fuzzers aim at, made through the API; and store snapshots. */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { TEST_ACCOUNT } from '../../support/trent.ts';
import type { Fixtures } from './fuzz-cases.ts';
import type { Reply, WireClient } from './wire-client.ts';

export async function ok(client: WireClient, op: string, input: unknown): Promise<Record<string, unknown>> {
  const r: Reply = await client.call(op, input);
  if (r.status !== 200 || !r.json) throw new Error(`${op}: HTTP ${r.status} ${r.text}`);
  return r.json;
}

async function key(client: WireClient, input: Record<string, unknown>): Promise<{ id: string; arn: string }> {
  const md = (await ok(client, 'CreateKey', input)).KeyMetadata as { KeyId: string; Arn: string };
  return { id: md.KeyId, arn: md.Arn };
}

export async function makeFixtures(client: WireClient): Promise<Fixtures> {
  const rootArn = `arn:aws:iam::${TEST_ACCOUNT}:root`;
  const sym = await key(client, { Description: 'fuzz symmetric' });
  const victim = await key(client, { Description: 'fuzz victim' });
  await ok(client, 'CreateAlias', { AliasName: 'alias/fuzz-sym', TargetKeyId: sym.id });
  await ok(client, 'CreateAlias', { AliasName: 'alias/fuzz-victim', TargetKeyId: victim.id });
  const rsa = await key(client, { KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
  const ecc = await key(client, { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
  const hmac = await key(client, { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
  const ecdh = await key(client, { KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' });
  const external = await key(client, { Origin: 'EXTERNAL' });
  const context = { purpose: 'fuzz', 'ü': '日本語' };
  const ciphertext = String((await ok(client, 'Encrypt', { KeyId: sym.id, Plaintext: Buffer.from('fuzz plaintext').toString('base64'), EncryptionContext: context })).CiphertextBlob);
  const message = Buffer.from('fuzz message').toString('base64');
  const signature = String((await ok(client, 'Sign', { KeyId: ecc.id, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' })).Signature);
  const mac = String((await ok(client, 'GenerateMac', { KeyId: hmac.id, Message: message, MacAlgorithm: 'HMAC_SHA_256' })).Mac);
  const publicKey = String((await ok(client, 'GetPublicKey', { KeyId: ecdh.id })).PublicKey);
  const grant = await ok(client, 'CreateGrant', { KeyId: sym.id, GranteePrincipal: rootArn, RetiringPrincipal: rootArn, Operations: ['Decrypt'] });
  return {
    account: TEST_ACCOUNT,
    rootArn,
    sym: sym.id,
    symArn: sym.arn,
    symAlias: 'alias/fuzz-sym',
    victim: victim.id,
    victimAlias: 'alias/fuzz-victim',
    rsa: rsa.id,
    ecc: ecc.id,
    hmac: hmac.id,
    ecdh: ecdh.id,
    external: external.id,
    ciphertext,
    context,
    signature,
    mac,
    publicKey,
    grantToken: String(grant.GrantToken),
    grantId: String(grant.GrantId),
  };
}

/**
 * Every row of every table of the SQLite store (blobs as hex), read while Trent runs (WAL lets a
 * reader in). Two equal snapshots mean nothing changed. The test clock's offset is left out.
 */
export function sqliteSnapshot(dataDir: string): string {
  const db = new Database(join(dataDir, 'trent.db'), { readonly: true, fileMustExist: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    const out: Record<string, unknown[]> = {};
    for (const t of tables) {
      out[t] = (db.prepare(`SELECT * FROM "${t.replace(/"/g, '""')}" ORDER BY rowid`).all() as Record<string, unknown>[])
        // Bookkeeping, not KMS state: the test clock's offset and the audit chain heads (src/audit/anchor.ts).
        .filter((r) => !(t === 'meta' && (r.name === 'clock_offset_ms' || String(r.name).startsWith('audit_head:'))))
        .map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('hex') : v])));
    }
    return JSON.stringify(out);
  } finally {
    db.close();
  }
}
