/**
 * The default account's root access key: from TRENT_ROOT_ACCESS_KEY_ID / _SECRET_ACCESS_KEY, or
 * generated on first start and written to `<data-dir>/credentials` (profile `trent`, 0600).
 *
 * There is one bootstrap root key at a time: starting with another one (a new
 * TRENT_ROOT_ACCESS_KEY_ID) revokes every other stored long-term key of the root user, so a
 * replaced key that leaked stops working. Its id is kept in the store (`bootstrap_access_key_id`)
 * so that every node sharing the store agrees which key is current. Nodes sharing a store must
 * all be given the new key: one started with the old key would revoke the new one in turn.
 */
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { CredentialStore } from '../auth/credential-store.ts';
import type { Rng } from '../crypto/rng.ts';
import { sameSecret } from '../crypto/same-secret.ts';
import type { KeyStore } from '../domain/ports.ts';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function newAccessKeyId(rng: Rng, prefix = 'AKIA'): string {
  return prefix + [...rng.bytes(16)].map((b) => BASE32[b & 31]).join('');
}

export function newSecretAccessKey(rng: Rng): string {
  return Buffer.from(rng.bytes(30)).toString('base64');
}

export interface BootstrapResult {
  accessKeyId: string;
  generated: boolean;
  credentialsPath?: string;
  /** Replaced bootstrap keys revoked at this start. */
  revoked?: string[];
}

export async function bootstrapRootCredentials(p: {
  store: Pick<KeyStore, 'getMeta' | 'putMeta' | 'putMetaIfAbsent' | 'getAccessKey'>;
  creds: CredentialStore;
  rng: Rng;
  now: number;
  dataDir: string;
  rootArn: string;
  fromEnv?: { accessKeyId: string; secretAccessKey: string };
}): Promise<BootstrapResult> {
  let result: BootstrapResult;
  if (p.fromEnv) {
    // Stored already (a restart with the same environment): no write, which would wait for an fsync.
    const stored = await p.creds.lookup(p.fromEnv.accessKeyId);
    const same = stored !== undefined && stored.principal.arn === p.rootArn && sameSecret(stored.secretAccessKey, p.fromEnv.secretAccessKey);
    if (!same) await p.creds.put({ accessKeyId: p.fromEnv.accessKeyId, secretAccessKey: p.fromEnv.secretAccessKey, principalArn: p.rootArn, now: p.now });
    if ((await p.store.getMeta(BOOTSTRAP_META)) !== p.fromEnv.accessKeyId) await p.store.putMeta(BOOTSTRAP_META, p.fromEnv.accessKeyId);
    result = { accessKeyId: p.fromEnv.accessKeyId, generated: false };
  } else {
    result = await generated(p);
  }
  // Every other long-term key of the root user is a replaced bootstrap key (keys of the
  // identities file are never stored, sessions carry a token): revoke them.
  const revoked = await p.creds.revokeWhere((rec) => rec.principalArn === p.rootArn && rec.sessionToken === undefined && rec.accessKeyId !== result.accessKeyId);
  return revoked.length > 0 ? { ...result, revoked } : result;
}

const BOOTSTRAP_META = 'bootstrap_access_key_id';

async function generated(p: Parameters<typeof bootstrapRootCredentials>[0]): Promise<BootstrapResult> {
  const credentialsPath = join(p.dataDir, 'credentials');
  const existing = await p.store.getMeta(BOOTSTRAP_META);
  if (existing && (await p.store.getAccessKey(existing))) {
    return { accessKeyId: existing, generated: false, credentialsPath };
  }
  const accessKeyId = newAccessKeyId(p.rng);
  const secretAccessKey = newSecretAccessKey(p.rng);
  await p.creds.put({ accessKeyId, secretAccessKey, principalArn: p.rootArn, now: p.now });
  let winner = await p.store.putMetaIfAbsent(BOOTSTRAP_META, accessKeyId);
  if (winner !== accessKeyId && !(await p.store.getAccessKey(winner))) {
    // The recorded key was revoked (replaced, then the replacement dropped from the environment).
    await p.store.putMeta(BOOTSTRAP_META, accessKeyId);
    winner = accessKeyId;
  }
  if (winner === accessKeyId) {
    writePrivateFile(credentialsPath, `[trent]\naws_access_key_id = ${accessKeyId}\naws_secret_access_key = ${secretAccessKey}\n`);
  }
  return { accessKeyId: winner, generated: winner === accessKeyId, credentialsPath };
}

export function writePrivateFile(path: string, content: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    // 'w' keeps the mode of a temporary file left by a crash; the secret goes only into a private one.
    fchmodSync(fd, 0o600);
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
