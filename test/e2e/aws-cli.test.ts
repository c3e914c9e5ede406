/** The seed's `aws kms` commands, run with the AWS CLI against a live Trent (HTTPS, --ca-bundle). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
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
  work = mkdtempSync(join(tmpdir(), 'trent-cli-'));
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

describe('AWS CLI: the seed chapter', { skip }, () => {
  test('create-key, create-alias, rotation by key id; rotation by alias refused as AWS refuses it', async () => {
    const created = await aws('kms', 'create-key', '--description', 'PetTracker encryption key', '--tags', 'TagKey=Application,TagValue=PetTracker');
    assert.equal(created.code, 0, created.err);
    const md = created.json().KeyMetadata;
    assert.equal(md.KeyState, 'Enabled');
    assert.equal(md.KeyUsage, 'ENCRYPT_DECRYPT');
    assert.match(md.Arn, /^arn:aws:kms:us-east-1:\d{12}:key\//);

    const alias = await aws('kms', 'create-alias', '--alias-name', 'alias/pettracker', '--target-key-id', md.KeyId);
    assert.equal(alias.code, 0, alias.err);

    // The seed passes the alias: AWS accepts only a key id or key ARN for rotation operations.
    const byAlias = await aws('kms', 'enable-key-rotation', '--key-id', 'alias/pettracker');
    assert.notEqual(byAlias.code, 0);
    assert.match(byAlias.err, /NotFoundException/);
    assert.match(byAlias.err, /Invalid keyId 'alias\/pettracker'/);
    const statusByAlias = await aws('kms', 'get-key-rotation-status', '--key-id', 'alias/pettracker');
    assert.notEqual(statusByAlias.code, 0);
    assert.match(statusByAlias.err, /NotFoundException/);

    assert.equal((await aws('kms', 'enable-key-rotation', '--key-id', md.KeyId)).code, 0);
    const status = await aws('kms', 'get-key-rotation-status', '--key-id', md.KeyId);
    assert.equal(status.code, 0, status.err);
    assert.equal(status.json().KeyRotationEnabled, true);
  });

  test('aws sts get-caller-identity answers with the caller', async () => {
    const who = await aws('sts', 'get-caller-identity');
    assert.equal(who.code, 0, who.err);
    assert.equal(who.json().Arn, 'arn:aws:iam::111122223333:root');
    assert.equal(who.json().Account, '111122223333');
  });

  test('encrypt / decrypt / generate-data-key through the CLI', async () => {
    const file = join(work, 'plain.txt');
    writeFileSync(file, 'pet health record');
    const enc = await aws('kms', 'encrypt', '--key-id', 'alias/pettracker', '--plaintext', `fileb://${file}`, '--encryption-context', 'app=pettracker');
    assert.equal(enc.code, 0, enc.err);
    const blobFile = join(work, 'blob.bin');
    writeFileSync(blobFile, Buffer.from(enc.json().CiphertextBlob, 'base64'));
    const dec = await aws('kms', 'decrypt', '--ciphertext-blob', `fileb://${blobFile}`, '--encryption-context', 'app=pettracker');
    assert.equal(dec.code, 0, dec.err);
    assert.equal(Buffer.from(dec.json().Plaintext, 'base64').toString(), 'pet health record');
    const wrong = await aws('kms', 'decrypt', '--ciphertext-blob', `fileb://${blobFile}`);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.err, /InvalidCiphertextException/);
    const dk = await aws('kms', 'generate-data-key', '--key-id', 'alias/pettracker', '--key-spec', 'AES_256');
    assert.equal(dk.code, 0, dk.err);
    assert.equal(Buffer.from(dk.json().Plaintext, 'base64').length, 32);
    const list = await aws('kms', 'list-aliases');
    assert.equal(list.code, 0, list.err);
    assert.ok(list.json().Aliases.some((a: { AliasName: string }) => a.AliasName === 'alias/pettracker'));
  });
});
