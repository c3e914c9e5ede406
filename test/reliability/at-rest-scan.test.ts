/**
 * At-rest scan: after a full run — every kind of key, Encrypt/Decrypt/ReEncrypt,
 * data keys and data key pairs, random bytes, a shared secret, imported key material, STS
 * temporary credentials, a kill -9 in the middle (so the SQLite WAL and a torn audit file stay
 * behind) and a restart — nothing on disk holds a secret in the clear: not the SQLite files
 * (database, WAL, shared memory), not the audit trail, not Trent's logs (debug level), not a
 * `pg_dump` of the PostgreSQL store. The secrets are the exact bytes the test knows: every key
 * material (read through `trent.core.material`), every data key, plaintext, random output and
 * shared secret, and every secret access key; each searched raw, as hex and as base64.
 *
 * The scanner proves it can see: the root key, which root.key holds by design, is found there.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assumeRole } from '../support/signed-request.ts';
import { wrapForImport } from '../support/byok.ts';
import { dropTestDatabase, postgresOrSkip } from '../support/postgres.ts';
import { run } from '../support/run.ts';
import { spawnTrent, startTrent, TEST_ACCOUNT, TEST_SECRET, tempDir, type ChildTrent } from '../support/trent.ts';
import { ok } from './lib/fixtures.ts';
import { filesUnder, scan, type Secret } from './lib/scan.ts';
import { b64, unb64, WireClient } from './lib/wire-client.ts';
import { randomBytes } from 'node:crypto';

const ALICE = { accessKeyId: 'AKIASCANALICE0000001', secretAccessKey: `alice-${randomBytes(24).toString('hex')}` };

interface Run {
  dir: string;
  secrets: Secret[];
  logs: string[];
  keyIds: string[];
}

function identities(dir: string): string {
  const file = join(dir, 'identities.json');
  const allow = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'kms:*'], Resource: '*' }] };
  writeFileSync(
    file,
    JSON.stringify({
      accounts: {
        [TEST_ACCOUNT]: {
          principals: [
            { arn: `arn:aws:iam::${TEST_ACCOUNT}:role/ScanRole`, policies: [allow] },
            { arn: `arn:aws:iam::${TEST_ACCOUNT}:user/alice`, accessKeys: [{ id: ALICE.accessKeyId, secret: ALICE.secretAccessKey }], policies: [allow] },
          ],
        },
      },
    }),
  );
  return file;
}

/** One pass of every secret-bearing operation; records the secrets it sees. */
async function workload(t: ChildTrent, r: Run, round: number): Promise<void> {
  const c = new WireClient(t.url, { ...(t.caPath ? { caPath: t.caPath } : {}), timeoutMs: 30_000 });
  const secret = (what: string, bytes: Buffer) => r.secrets.push({ what: `${what} (round ${round})`, bytes });
  try {
    const key = async (input: Record<string, unknown>) => {
      const id = ((await ok(c, 'CreateKey', input)).KeyMetadata as { KeyId: string }).KeyId;
      r.keyIds.push(id);
      return id;
    };
    const sym = await key({ Description: 'scan' });
    await ok(c, 'RotateKeyOnDemand', { KeyId: sym });
    const other = await key({});
    for (let i = 0; i < 10; i++) {
      const plaintext = randomBytes(16 + i * 37);
      secret(`Encrypt plaintext ${i}`, plaintext);
      const e = await ok(c, 'Encrypt', { KeyId: sym, Plaintext: b64(plaintext), EncryptionContext: { scan: String(i) } });
      const d = await ok(c, 'Decrypt', { CiphertextBlob: e.CiphertextBlob, EncryptionContext: { scan: String(i) } });
      assert.ok(unb64(d.Plaintext).equals(plaintext));
      await ok(c, 'ReEncrypt', { CiphertextBlob: e.CiphertextBlob, SourceEncryptionContext: { scan: String(i) }, DestinationKeyId: other });
      const k = await ok(c, 'GenerateDataKey', { KeyId: sym, KeySpec: i % 2 ? 'AES_128' : 'AES_256' });
      secret(`data key ${i}`, unb64(k.Plaintext));
      secret(`random ${i}`, unb64((await ok(c, 'GenerateRandom', { NumberOfBytes: 32 })).Plaintext));
    }
    const pair = await ok(c, 'GenerateDataKeyPair', { KeyId: sym, KeyPairSpec: 'RSA_2048' });
    secret('data key pair private key', unb64(pair.PrivateKeyPlaintext));
    const ecPair = await ok(c, 'GenerateDataKeyPair', { KeyId: sym, KeyPairSpec: 'ECC_NIST_P256' });
    secret('EC data key pair private key', unb64(ecPair.PrivateKeyPlaintext));

    const rsa = await key({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
    const rsaPlain = randomBytes(64);
    secret('RSA plaintext', rsaPlain);
    const rc = await ok(c, 'Encrypt', { KeyId: rsa, Plaintext: b64(rsaPlain), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' });
    await ok(c, 'Decrypt', { KeyId: rsa, CiphertextBlob: rc.CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' });
    const ecc = await key({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    await ok(c, 'Sign', { KeyId: ecc, Message: b64(Buffer.from('scan')), SigningAlgorithm: 'ECDSA_SHA_256' });
    const hmac = await key({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    await ok(c, 'GenerateMac', { KeyId: hmac, Message: b64(Buffer.from('scan')), MacAlgorithm: 'HMAC_SHA_256' });
    const ecdh = await key({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' });
    const peer = await ok(c, 'GetPublicKey', { KeyId: await key({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' }) });
    secret('shared secret', unb64((await ok(c, 'DeriveSharedSecret', { KeyId: ecdh, KeyAgreementAlgorithm: 'ECDH', PublicKey: peer.PublicKey })).SharedSecret));

    // Imported key material (BYOK).
    const ext = await key({ Origin: 'EXTERNAL' });
    const params = await ok(c, 'GetParametersForImport', { KeyId: ext, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' });
    const imported = randomBytes(32);
    secret('imported key material', imported);
    await ok(c, 'ImportKeyMaterial', {
      KeyId: ext,
      ImportToken: params.ImportToken,
      EncryptedKeyMaterial: b64(Buffer.from(wrapForImport(unb64(params.PublicKey), 'RSAES_OAEP_SHA_256', imported))),
      ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
    });
    await ok(c, 'Encrypt', { KeyId: ext, Plaintext: b64(randomBytes(20)) });

    // Temporary credentials: their secret is stored (wrapped) so SigV4 can check it.
    const temp = await assumeRole(t.url, t.caPath, ALICE, `arn:aws:iam::${TEST_ACCOUNT}:role/ScanRole`, `scan-${round}`);
    secret('STS secret access key', Buffer.from(temp.secretAccessKey));
    const tc = new WireClient(t.url, { ...(t.caPath ? { caPath: t.caPath } : {}), creds: { accessKeyId: temp.accessKeyId, secretAccessKey: temp.secretAccessKey } });
    // The light signer sends no session token: this call is only meant to reach the credential lookup.
    await tc.call('ListKeys', {});
    tc.close();
    const ac = new WireClient(t.url, { ...(t.caPath ? { caPath: t.caPath } : {}), creds: ALICE });
    await ok(ac, 'ListKeys', {});
    ac.close();
  } finally {
    c.close();
  }
}

async function fullRun(storeUrl: string | undefined): Promise<{ run: Run; scanned: ReturnType<typeof scan>; control: ReturnType<typeof scan> }> {
  const base = tempDir('trent-scan-');
  const r: Run = { dir: join(base, 'data'), secrets: [], logs: [], keyIds: [] };
  const logDir = join(base, 'logs');
  const snapshot = join(base, 'after-kill');
  mkdirSync(logDir);
  const args = ['--data-dir', r.dir, '--identities', identities(base), ...(storeUrl !== undefined ? ['--store', storeUrl] : [])];
  const env = { TRENT_LOG_LEVEL: 'debug' };
  let t: ChildTrent | undefined;
  try {
    t = await spawnTrent(args, env);
    await workload(t, r, 1);
    // Killed mid-run: the WAL, shared memory and the open audit file stay as a crash leaves them.
    t.proc.kill('SIGKILL');
    await t.exited;
    writeFileSync(join(logDir, 'run1.log'), t.stdout() + t.stderr());
    cpSync(r.dir, snapshot, { recursive: true });
    t = await spawnTrent(args, env);
    await workload(t, r, 2);
    t.proc.kill('SIGTERM');
    await t.exited;
    writeFileSync(join(logDir, 'run2.log'), t.stdout() + t.stderr());
    if (storeUrl !== undefined) {
      const dump = await run('pg_dump', ['--no-owner', '--dbname', storeUrl, '--file', join(logDir, 'store.sql')], { timeoutMs: 60_000 });
      assert.equal(dump.code, 0, `pg_dump: ${dump.stderr}`);
    }

    // Key material, through the in-process hook (the same data directory and store).
    const h = await startTrent({ dataDir: r.dir, tls: false, ...(storeUrl !== undefined ? { config: { storeUrl } } : {}) });
    try {
      for (const keyId of r.keyIds) {
        for (const m of await h.trent.core.store.listMaterials(keyId)) {
          const material = await h.trent.core.material(keyId, m.materialId);
          if (material) r.secrets.push({ what: `key material ${m.materialId.slice(0, 8)}… of ${keyId}`, bytes: Buffer.from(material) });
        }
      }
    } finally {
      await h.trent.close();
    }
    r.secrets.push({ what: 'root secret access key', bytes: Buffer.from(TEST_SECRET) });
    r.secrets.push({ what: "alice's secret access key", bytes: Buffer.from(ALICE.secretAccessKey) });

    const files = [...filesUnder(r.dir), ...filesUnder(snapshot), ...filesUnder(logDir)];
    const isRootKey = (f: string) => f.endsWith('/root.key');
    const scanned = scan(files, r.secrets, base, isRootKey);
    const rootKey = Buffer.from(readFileSync(join(r.dir, 'root.key'), 'utf8').trim(), 'hex');
    const control = scan(files.filter(isRootKey), [{ what: 'root key', bytes: rootKey }], base);
    return { run: r, scanned, control };
  } finally {
    if (t && t.proc.exitCode === null && t.proc.signalCode === null) {
      t.proc.kill('SIGKILL');
      await t.exited;
    }
    rmSync(base, { recursive: true, force: true });
  }
}

function judge(store: string, o: Awaited<ReturnType<typeof fullRun>>): void {
  const materials = o.run.secrets.filter((s) => s.what.startsWith('key material')).length;
  process.stdout.write(
    `# at-rest scan ${store}: ${o.scanned.files} files, ${(o.scanned.bytes / 1e6).toFixed(2)} MB scanned for ${o.run.secrets.length} secrets (${materials} key materials) in ${o.scanned.needles} encodings: ${o.scanned.hits.length} found\n`,
  );
  assert.ok(o.control.hits.length > 0, 'the scanner finds the root key in root.key (it can see a secret where one is)');
  assert.ok(materials >= 10, `key materials collected (${materials})`);
  assert.deepEqual(o.scanned.hits.slice(0, 30), [], `secrets in the clear at rest on ${store}`);
}

test('SQLite: no secret in the clear in the data directory, the WAL, the audit trail or the logs', { timeout: 180_000 }, async () => {
  judge('sqlite', await fullRun(undefined));
});

const pgUrl = await postgresOrSkip('PostgreSQL: no secret in the clear in pg_dump, the data directory or the logs');
if (pgUrl !== undefined) {
  test('PostgreSQL: no secret in the clear in pg_dump, the data directory or the logs', { timeout: 180_000 }, async () => {
    try {
      judge('postgres', await fullRun(pgUrl));
    } finally {
      await dropTestDatabase(pgUrl);
    }
  });
}
