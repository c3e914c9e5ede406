/**
 * `trent serve --no-sigv4` / `--no-audit`: benchmark aids that show what signature
 * verification and the audit trail cost. They must say so loudly, and --no-sigv4 must refuse
 * anything that looks like production.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CreateKeyCommand, EncryptCommand } from '@aws-sdk/client-kms';
import { kmsClient, ROOT, spawnTrent, TEST_ACCESS_KEY_ID, tempDir } from '../support/trent.ts';

/** Runs `trent serve …` expecting it to refuse to start: its exit code and stderr. */
function refused(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const proc = spawn(process.execPath, [join(ROOT, 'bin/trent.js'), 'serve', '--port', '0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((res) => proc.on('exit', (code) => res({ code, stderr })));
}

test('--no-sigv4 is refused with TLS, a non-loopback host or PostgreSQL, and the server does not start', async () => {
  const dir = tempDir();
  try {
    for (const args of [
      ['--no-sigv4'],
      ['--no-sigv4', '--no-tls', '--host', '0.0.0.0'],
      ['--no-sigv4', '--no-tls', '--store', 'postgres://127.0.0.1:1/none'],
    ]) {
      const r = await refused([...args, '--data-dir', dir]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /--no-sigv4 turns signature verification off \(benchmarks only\)/);
      assert.equal(existsSync(join(dir, 'root.key')), false, 'nothing was created');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with --no-sigv4 a wrongly signed request is served as the access key id’s principal, with a warning on start', async () => {
  const dir = tempDir();
  const trent = await spawnTrent(['--no-tls', '--no-sigv4', '--data-dir', dir, '--node-id', 'n1']);
  const wrong = kmsClient(trent.url, undefined, { accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: 'not-the-secret-at-all-000000000000' });
  const unknown = kmsClient(trent.url, undefined, { accessKeyId: 'AKIANOSUCHKEY0000000', secretAccessKey: 'not-the-secret-at-all-000000000000' });
  try {
    assert.match(trent.stdout() + trent.stderr(), /WARNING: --no-sigv4: request signatures are NOT verified/);
    const k = await wrong.send(new CreateKeyCommand({}));
    assert.match(k.KeyMetadata!.Arn!, /^arn:aws:kms:us-east-1:111122223333:key\//);
    const e = await wrong.send(new EncryptCommand({ KeyId: k.KeyMetadata!.KeyId!, Plaintext: Buffer.from('x') }));
    assert.ok(e.CiphertextBlob!.length > 0);
    // The access key id still has to exist.
    await assert.rejects(unknown.send(new CreateKeyCommand({})), (err: { name: string; $metadata: { httpStatusCode: number } }) => {
      assert.equal(err.name, 'UnrecognizedClientException');
      assert.equal(err.$metadata.httpStatusCode, 400);
      return true;
    });
  } finally {
    wrong.destroy();
    unknown.destroy();
    trent.proc.kill('SIGTERM');
    assert.equal((await trent.exited).code, 0);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without --no-sigv4 the same wrongly signed request is refused', async () => {
  const dir = tempDir();
  const trent = await spawnTrent(['--no-tls', '--data-dir', dir, '--node-id', 'n1']);
  const wrong = kmsClient(trent.url, undefined, { accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: 'not-the-secret-at-all-000000000000' });
  try {
    assert.doesNotMatch(trent.stdout() + trent.stderr(), /WARNING/);
    await assert.rejects(wrong.send(new CreateKeyCommand({})), { name: 'InvalidSignatureException' });
  } finally {
    wrong.destroy();
    trent.proc.kill('SIGTERM');
    await trent.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with --no-audit no audit trail is written, with a warning on start', async () => {
  const dir = tempDir();
  const trent = await spawnTrent(['--no-tls', '--no-audit', '--data-dir', dir]);
  const kms = kmsClient(trent.url, undefined);
  try {
    assert.match(trent.stdout() + trent.stderr(), /WARNING: --no-audit: no audit trail is written/);
    await kms.send(new CreateKeyCommand({}));
    assert.equal(existsSync(join(dir, 'audit')), false);
  } finally {
    kms.destroy();
    trent.proc.kill('SIGTERM');
    assert.equal((await trent.exited).code, 0);
    rmSync(dir, { recursive: true, force: true });
  }
});
