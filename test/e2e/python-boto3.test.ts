/** The seed's boto3 snippets (envelope encryption with Fernet, Lambda env decryption) against a live Trent. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CreateAliasCommand, CreateKeyCommand } from '@aws-sdk/client-kms';
import { run } from '../support/run.ts';
import { startTrent, TEST_ACCESS_KEY_ID, TEST_SECRET, type Harness } from '../support/trent.ts';

/** The first interpreter that has boto3 and cryptography. */
function findPython(): string | undefined {
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', 'import boto3, cryptography'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return undefined;
}

const python = findPython();
const skip = python === undefined && process.env.CI !== 'true' ? 'boto3 + cryptography not installed (apt-get install python3-boto3 python3-cryptography)' : false;

let h: Harness;
before(async () => {
  if (skip) return;
  h = await startTrent();
});
after(async () => {
  if (!skip) await h.stop();
});

test('seed boto3 snippets run unchanged against Trent', { skip }, async () => {
  assert.ok(python, 'CI must have boto3 and cryptography');
  const key = (await h.kms.send(new CreateKeyCommand({ Description: 'PetTracker encryption key' }))).KeyMetadata!;
  await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/pettracker', TargetKeyId: key.KeyId }));
  const r = await run(python, [join(import.meta.dirname, 'python/seed_snippets.py'), 'alias/pettracker'], {
    env: {
      ...process.env,
      TRENT_URL: h.trent.url,
      TRENT_CA: h.trent.caPath ?? '',
      AWS_ACCESS_KEY_ID: TEST_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: TEST_SECRET,
      AWS_DEFAULT_REGION: 'us-east-1',
    },
  });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.equal(JSON.parse(r.stdout.trim().split('\n').pop()!).ok, true);
});
