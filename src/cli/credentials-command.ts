/**
 * `trent credentials list` and `trent credentials revoke`: the access keys and STS sessions kept
 * in the store (the bootstrap root key, replaced root keys, AssumeRole sessions). Keys declared
 * in the identities file are not stored: they are managed in that file (remove one and SIGHUP).
 *
 * The store is the one the nodes share, so a revoked key or session is refused by every node from
 * its next request (each request re-reads its access-key record). Secrets are never printed: the
 * listing reads the records, never unwraps them.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULTS } from '../config/config.ts';
import type { KeyStore } from '../domain/ports.ts';
import type { AccessKeyRecord } from '../domain/types.ts';

export const CREDENTIALS_USAGE = `Usage: trent credentials list   [--data-dir D | --store URL] [--json]
       trent credentials revoke <access-key-id> [--data-dir D | --store URL]

list    the access keys and sessions in the store: access key id, kind (bootstrap root key,
        root, session), principal ARN, created and expiry times. Never a secret.
revoke  deletes one from the store; every node sharing the store refuses it from its next
        request (UnrecognizedClientException). Keys declared in the identities file are
        revoked by removing them from the file and sending SIGHUP.
The store is --store / TRENT_STORE_URL (PostgreSQL), else <data-dir>/trent.db.
`;

type Out = (line: string) => void;
type CredentialsStore = Pick<KeyStore, 'listAccessKeys' | 'deleteAccessKey' | 'getAccessKey' | 'getMeta' | 'close'>;

export async function credentialsCommand(args: string[], out: Out, err: Out): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'list' && sub !== 'revoke') {
    err(CREDENTIALS_USAGE);
    return 2;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    options: { 'data-dir': { type: 'string' }, store: { type: 'string' }, json: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  if (sub === 'list' && positionals.length > 0) {
    err(`trent: credentials list takes no arguments\n${CREDENTIALS_USAGE}`);
    return 2;
  }
  if (sub === 'revoke' && positionals.length !== 1) {
    err(`trent: credentials revoke takes one access key id\n${CREDENTIALS_USAGE}`);
    return 2;
  }
  const store = await openStore(values, err);
  if (!store) return 1;
  try {
    return sub === 'list' ? await list(store, values.json === true, out) : await revoke(store, positionals[0]!, out, err);
  } finally {
    await store.close();
  }
}

async function openStore(values: { 'data-dir'?: string | undefined; store?: string | undefined }, err: Out): Promise<CredentialsStore | undefined> {
  const url = values.store ?? (process.env.TRENT_STORE_URL || undefined);
  if (url !== undefined) {
    const { PostgresStore } = await import('../storage/postgres/postgres-store.ts');
    return PostgresStore.open(url);
  }
  const db = join(resolve(values['data-dir'] ?? DEFAULTS.dataDir), 'trent.db');
  if (!existsSync(db)) {
    err(`trent: no store at ${db} (give --data-dir or --store)`);
    return undefined;
  }
  const { SqliteStore } = await import('../storage/sqlite/sqlite-store.ts');
  return new SqliteStore(db);
}

type Kind = 'bootstrap-root' | 'root' | 'session' | 'access-key';

function kindOf(rec: AccessKeyRecord, bootstrapId: string | undefined): Kind {
  if (rec.sessionToken !== undefined) return 'session';
  if (/:root$/.test(rec.principalArn)) return rec.accessKeyId === bootstrapId ? 'bootstrap-root' : 'root';
  return 'access-key';
}

const iso = (ms: number | undefined) => (ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

async function list(store: CredentialsStore, json: boolean, out: Out): Promise<number> {
  const bootstrapId = await store.getMeta('bootstrap_access_key_id');
  if (!json) out(`${'ACCESS KEY ID'.padEnd(22)} ${'KIND'.padEnd(15)} ${'CREATED'.padEnd(21)} ${'EXPIRES'.padEnd(21)} PRINCIPAL`);
  let after: string | undefined;
  for (;;) {
    const page = await store.listAccessKeys({ ...(after !== undefined ? { after } : {}), limit: 500 });
    for (const rec of page) {
      // Only these fields: never the wrapped secret or the session token.
      const row = { accessKeyId: rec.accessKeyId, kind: kindOf(rec, bootstrapId), principalArn: rec.principalArn, created: iso(rec.createdAt), expires: rec.expiresAt === undefined ? null : iso(rec.expiresAt) };
      if (json) out(JSON.stringify(row));
      else out(`${row.accessKeyId.padEnd(22)} ${row.kind.padEnd(15)} ${row.created.padEnd(21)} ${(row.expires ?? '-').padEnd(21)} ${row.principalArn}`);
    }
    if (page.length < 500) break;
    after = page[page.length - 1]!.accessKeyId;
  }
  return 0;
}

async function revoke(store: CredentialsStore, accessKeyId: string, out: Out, err: Out): Promise<number> {
  const rec = await store.getAccessKey(accessKeyId);
  if (!rec || !(await store.deleteAccessKey(accessKeyId))) {
    err(`trent: no access key or session ${accessKeyId.slice(0, 128)} in the store (a key declared in the identities file is revoked by removing it there and sending SIGHUP)`);
    return 1;
  }
  const bootstrap = (await store.getMeta('bootstrap_access_key_id')) === accessKeyId;
  out(`revoked ${accessKeyId} (${kindOf(rec, bootstrap ? accessKeyId : undefined)}, ${rec.principalArn})`);
  if (bootstrap) out('note: this was the bootstrap root key; the next start with TRENT_ROOT_ACCESS_KEY_ID stores that key again, or generates a new one without it');
  return 0;
}
