/**
 * AWS's "Importing key material" walkthrough, step by step, with the AWS CLI and OpenSSL against
 * a live Trent: create-key --origin EXTERNAL, get-parameters-for-import, 32 random bytes from
 * `openssl rand` wrapped by `openssl pkeyutl` (RSAES-OAEP SHA-256), import-key-material. Then the
 * proof that those bytes are the key in use: a Trent ciphertext opened offline with them. And an
 * HMAC key imported with RSA_AES_KEY_WRAP_SHA_256 wrapped by `openssl enc -id-aes256-wrap-pad`,
 * whose GenerateMac equals `openssl dgst -hmac`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openBlobOffline } from '../support/offline-blob.ts';
import { openssl } from '../support/openssl.ts';
import { run } from '../support/run.ts';
import { startTrent, TEST_ACCESS_KEY_ID, TEST_SECRET, type Harness } from '../support/trent.ts';

/** Debian's AWS CLI v2 (/usr/bin/aws) when installed, else whatever `aws` is on PATH. */
function findCli(): string | undefined {
  for (const c of ['/usr/bin/aws', 'aws']) {
    if (c.startsWith('/') && !existsSync(c)) continue;
    if (spawnSync(c, ['--version'], { encoding: 'utf8' }).status === 0) return c;
  }
  return undefined;
}

const cli = findCli();
const skip = cli === undefined && process.env.CI !== 'true' ? 'AWS CLI not installed (apt-get install awscli)' : false;

let h: Harness;
let work: string;
before(async () => {
  if (skip) return;
  h = await startTrent();
  work = mkdtempSync(join(tmpdir(), 'trent-byok-'));
});
after(async () => {
  if (skip) return;
  await h.stop();
  rmSync(work, { recursive: true, force: true });
});

async function aws(...args: string[]): Promise<{ code: number; out: string; err: string; json: () => any }> {
  assert.ok(cli, 'CI must have the AWS CLI');
  const r = await run(cli, [...args, '--endpoint-url', h.trent.url, '--ca-bundle', h.trent.caPath!, '--output', 'json'], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: TEST_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: TEST_SECRET, AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
  });
  return { code: r.code ?? -1, out: r.stdout, err: r.stderr, json: () => JSON.parse(r.stdout) };
}

/** Steps 1 and 2: a key for imported material, and its wrapping public key and import token as files. */
async function keyAndParameters(createArgs: string[], algorithm: string): Promise<{ keyId: string; arn: string; token: string; publicKey: Buffer }> {
  const created = await aws('kms', 'create-key', '--origin', 'EXTERNAL', ...createArgs);
  assert.equal(created.code, 0, created.err);
  const md = created.json().KeyMetadata;
  assert.equal(md.KeyState, 'PendingImport');
  assert.equal(md.Origin, 'EXTERNAL');
  const params = await aws('kms', 'get-parameters-for-import', '--key-id', md.KeyId, '--wrapping-algorithm', algorithm, '--wrapping-key-spec', 'RSA_2048');
  assert.equal(params.code, 0, params.err);
  const p = params.json();
  assert.equal(p.KeyId, md.Arn);
  const token = join(work, `${md.KeyId}.token.bin`);
  writeFileSync(token, Buffer.from(p.ImportToken, 'base64'));
  return { keyId: md.KeyId, arn: md.Arn, token, publicKey: Buffer.from(p.PublicKey, 'base64') };
}

const oaepSha256 = ['-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha256', '-pkeyopt', 'rsa_mgf1_md:sha256'];

describe('AWS CLI: importing key material as AWS documents it', { skip }, () => {
  test('openssl rand 32 bytes, openssl pkeyutl RSAES_OAEP_SHA_256, import-key-material; a Trent ciphertext opens offline with those bytes', async () => {
    const k = await keyAndParameters(['--description', 'BYOK'], 'RSAES_OAEP_SHA_256');
    // Step 3: "openssl rand -out PlaintextKeyMaterial.bin 32", then encrypt it under the wrapping public key.
    const rand = await openssl(['rand', '-out', 'PlaintextKeyMaterial.bin', '32'], {}, ['PlaintextKeyMaterial.bin']);
    assert.equal(rand.code, 0, rand.stderr);
    const material = rand.out['PlaintextKeyMaterial.bin']!;
    assert.equal(material.length, 32);
    const wrapped = await openssl(
      ['pkeyutl', '-encrypt', '-in', 'PlaintextKeyMaterial.bin', '-out', 'EncryptedKeyMaterial.bin', '-inkey', 'WrappingPublicKey.bin', '-keyform', 'DER', '-pubin', ...oaepSha256],
      { 'PlaintextKeyMaterial.bin': material, 'WrappingPublicKey.bin': k.publicKey },
      ['EncryptedKeyMaterial.bin'],
    );
    assert.equal(wrapped.code, 0, wrapped.stderr);
    const encrypted = join(work, 'EncryptedKeyMaterial.bin');
    writeFileSync(encrypted, wrapped.out['EncryptedKeyMaterial.bin']!);
    // Step 4: import.
    const imported = await aws('kms', 'import-key-material', '--key-id', k.keyId, '--encrypted-key-material', `fileb://${encrypted}`, '--import-token', `fileb://${k.token}`, '--expiration-model', 'KEY_MATERIAL_DOES_NOT_EXPIRE');
    assert.equal(imported.code, 0, imported.err);
    const described = await aws('kms', 'describe-key', '--key-id', k.keyId);
    assert.equal(described.json().KeyMetadata.KeyState, 'Enabled');
    assert.equal(described.json().KeyMetadata.ExpirationModel, 'KEY_MATERIAL_DOES_NOT_EXPIRE');

    // The proof: encrypt with the CLI, open the blob offline with the 32 bytes.
    const plainFile = join(work, 'message.txt');
    writeFileSync(plainFile, 'imported key material at work');
    const enc = await aws('kms', 'encrypt', '--key-id', k.keyId, '--plaintext', `fileb://${plainFile}`, '--encryption-context', 'app=byok');
    assert.equal(enc.code, 0, enc.err);
    const blob = Buffer.from(enc.json().CiphertextBlob, 'base64');
    const opened = openBlobOffline(material, blob, { app: 'byok' });
    assert.equal(opened.plaintext.toString(), 'imported key material at work');
    assert.equal(opened.keyId, k.keyId);

    // The same import token a second time, with other bytes: not the material this key has.
    const other = await openssl(['pkeyutl', '-encrypt', '-in', 'o.bin', '-out', 'e.bin', '-inkey', 'pub.der', '-keyform', 'DER', '-pubin', ...oaepSha256], { 'o.bin': Buffer.alloc(32, 7), 'pub.der': k.publicKey }, ['e.bin']);
    writeFileSync(encrypted, other.out['e.bin']!);
    const refused = await aws('kms', 'import-key-material', '--key-id', k.keyId, '--encrypted-key-material', `fileb://${encrypted}`, '--import-token', `fileb://${k.token}`, '--expiration-model', 'KEY_MATERIAL_DOES_NOT_EXPIRE');
    assert.notEqual(refused.code, 0);
    assert.match(refused.err, /IncorrectKeyMaterialException/);
  });

  test('HMAC key, RSA_AES_KEY_WRAP_SHA_256 with openssl enc -id-aes256-wrap-pad; generate-mac equals openssl dgst -hmac', async () => {
    const k = await keyAndParameters(['--key-spec', 'HMAC_256', '--key-usage', 'GENERATE_VERIFY_MAC'], 'RSA_AES_KEY_WRAP_SHA_256');
    // A printable key, so `openssl dgst -hmac <key>` can take it as an argument.
    const key = Buffer.from(Array.from({ length: 40 }, (_, i) => 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.charCodeAt((i * 7 + Date.now()) % 62)));
    const aes = await openssl(['rand', '-out', 'aes.bin', '32'], {}, ['aes.bin']);
    const kwp = await openssl(['enc', '-id-aes256-wrap-pad', '-K', aes.out['aes.bin']!.toString('hex'), '-iv', 'A65959A6', '-in', 'key.bin', '-out', 'key.wrapped'], { 'key.bin': key }, ['key.wrapped']);
    assert.equal(kwp.code, 0, kwp.stderr);
    const rsa = await openssl(['pkeyutl', '-encrypt', '-in', 'aes.bin', '-out', 'aes.wrapped', '-inkey', 'pub.der', '-keyform', 'DER', '-pubin', ...oaepSha256], { 'aes.bin': aes.out['aes.bin']!, 'pub.der': k.publicKey }, ['aes.wrapped']);
    assert.equal(rsa.code, 0, rsa.stderr);
    const encrypted = join(work, 'hmac.enc');
    writeFileSync(encrypted, Buffer.concat([rsa.out['aes.wrapped']!, kwp.out['key.wrapped']!]));
    const imported = await aws('kms', 'import-key-material', '--key-id', k.keyId, '--encrypted-key-material', `fileb://${encrypted}`, '--import-token', `fileb://${k.token}`, '--expiration-model', 'KEY_MATERIAL_DOES_NOT_EXPIRE');
    assert.equal(imported.code, 0, imported.err);

    const message = join(work, 'mac-message.txt');
    writeFileSync(message, 'authenticate me');
    const mac = await aws('kms', 'generate-mac', '--key-id', k.keyId, '--mac-algorithm', 'HMAC_SHA_256', '--message', `fileb://${message}`);
    assert.equal(mac.code, 0, mac.err);
    const dgst = await openssl(['dgst', '-sha256', '-hmac', key.toString('latin1'), '-binary', '-out', 'mac.bin', 'msg.txt'], { 'msg.txt': readFileSync(message) }, ['mac.bin']);
    assert.equal(dgst.code, 0, dgst.stderr);
    assert.equal(mac.json().Mac, dgst.out['mac.bin']!.toString('base64'));
  });
});
