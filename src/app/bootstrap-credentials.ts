/**
 * The default account's root access key: from TRENT_ROOT_ACCESS_KEY_ID / _SECRET_ACCESS_KEY, or
 * generated on first start and written to `<data-dir>/credentials` (profile `trent`, 0600).
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
}

export async function bootstrapRootCredentials(p: {
  store: Pick<KeyStore, 'getMeta' | 'putMetaIfAbsent' | 'getAccessKey'>;
  creds: CredentialStore;
  rng: Rng;
  now: number;
  dataDir: string;
  rootArn: string;
  fromEnv?: { accessKeyId: string; secretAccessKey: string };
}): Promise<BootstrapResult> {
  if (p.fromEnv) {
    // Stored already (a restart with the same environment): no write, which would wait for an fsync.
    const stored = await p.creds.lookup(p.fromEnv.accessKeyId);
    const same = stored !== undefined && stored.principal.arn === p.rootArn && sameSecret(stored.secretAccessKey, p.fromEnv.secretAccessKey);
    if (!same) await p.creds.put({ accessKeyId: p.fromEnv.accessKeyId, secretAccessKey: p.fromEnv.secretAccessKey, principalArn: p.rootArn, now: p.now });
    return { accessKeyId: p.fromEnv.accessKeyId, generated: false };
  }
  const existing = await p.store.getMeta('bootstrap_access_key_id');
  if (existing && (await p.store.getAccessKey(existing))) {
    return { accessKeyId: existing, generated: false, credentialsPath: join(p.dataDir, 'credentials') };
  }
  const accessKeyId = newAccessKeyId(p.rng);
  const secretAccessKey = newSecretAccessKey(p.rng);
  await p.creds.put({ accessKeyId, secretAccessKey, principalArn: p.rootArn, now: p.now });
  const winner = await p.store.putMetaIfAbsent('bootstrap_access_key_id', accessKeyId);
  const credentialsPath = join(p.dataDir, 'credentials');
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
