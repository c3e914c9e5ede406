/**
 * ML-DSA and Ed25519ph signatures are made on worker threads (src/crypto/sign-pool.ts), so a Trent
 * busy signing still answers other requests: while eight ML_DSA_87 Signs are in flight, DescribeKey
 * requests sent after them are answered before the last Sign is (ordering, not timings). The
 * signatures made on the workers verify in Trent and with noble against GetPublicKey's key. Trent
 * runs as `bin/trent.js serve`, the way users start it (the worker must load there too).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { CreateKeyCommand, DescribeKeyCommand, GetPublicKeyCommand, SignCommand, VerifyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { ed25519ph } from '@noble/curves/ed25519.js';
import { ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { dropTestDatabase } from '../support/postgres.ts';
import { kmsClient, spawnTrent, tempDir, testStoreUrl, type ChildTrent } from '../support/trent.ts';

let trent: ChildTrent;
let kms: KMSClient;
let dataDir: string;
let storeUrl: string | undefined;

before(async () => {
  dataDir = tempDir('trent-sign-workers-');
  storeUrl = await testStoreUrl();
  trent = await spawnTrent(['--no-tls', '--data-dir', dataDir, ...(storeUrl ? ['--store', storeUrl] : [])]);
  kms = kmsClient(trent.url, undefined);
});
after(async () => {
  kms?.destroy();
  trent?.proc.kill('SIGTERM');
  await trent?.exited;
  if (storeUrl) await dropTestDatabase(storeUrl);
  rmSync(dataDir, { recursive: true, force: true });
});

test('while eight ML_DSA_87 Signs are being made, DescribeKey requests sent after them are answered first; the signatures verify', async () => {
  const keyId = (await kms.send(new CreateKeyCommand({ KeySpec: 'ML_DSA_87', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!.KeyId!;
  const spki = (await kms.send(new GetPublicKeyCommand({ KeyId: keyId }))).PublicKey!;
  const publicKey = spki.subarray(spki.length - 2592);
  const sign = (m: Uint8Array) => kms.send(new SignCommand({ KeyId: keyId, Message: m, MessageType: 'RAW', SigningAlgorithm: 'ML_DSA_SHAKE_256' }));
  await sign(randomBytes(32)); // the pool starts lazily: the first signature starts its thread

  const done: string[] = [];
  const messages = Array.from({ length: 8 }, () => randomBytes(200));
  const signs = messages.map((m, i) => sign(m).then((r) => (done.push(`sign ${i}`), r.Signature!)));
  for (let i = 0; i < 3; i++) {
    const md = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!;
    assert.equal(md.KeySpec, 'ML_DSA_87');
    done.push(`describe ${i}`);
  }
  const signatures = await Promise.all(signs);
  const lastSign = Math.max(...done.flatMap((e, i) => (e.startsWith('sign') ? [i] : [])));
  const lastDescribe = done.lastIndexOf('describe 2');
  assert.ok(lastDescribe < lastSign, `all three DescribeKeys answer before the last Sign: ${done.join(', ')}`);

  for (const [i, signature] of signatures.entries()) {
    assert.equal(signature.length, 4627);
    assert.ok(ml_dsa87.verify(signature, messages[i]!, publicKey), `signature ${i} verifies with noble`);
    const v = await kms.send(new VerifyCommand({ KeyId: keyId, Message: messages[i]!, Signature: signature, SigningAlgorithm: 'ML_DSA_SHAKE_256' }));
    assert.equal(v.SignatureValid, true);
  }
});

test('Ed25519ph signatures made concurrently on the workers verify against GetPublicKey', async () => {
  const keyId = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_EDWARDS25519', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!.KeyId!;
  const spki = (await kms.send(new GetPublicKeyCommand({ KeyId: keyId }))).PublicKey!;
  const publicKey = spki.subarray(spki.length - 32);
  const digests = Array.from({ length: 6 }, (_, i) => createHash('sha512').update(`document ${i}`).digest());
  const signatures = await Promise.all(digests.map((d) =>
    kms.send(new SignCommand({ KeyId: keyId, Message: d, MessageType: 'DIGEST', SigningAlgorithm: 'ED25519_PH_SHA_512' })).then((r) => r.Signature!)));
  for (const [i, signature] of signatures.entries()) {
    assert.ok(ed25519ph.verify(signature, digests[i]!, publicKey, { zip215: false }), `signature ${i} verifies with noble`);
    assert.ok(!ed25519ph.verify(signature, digests[(i + 1) % digests.length]!, publicKey, { zip215: false }));
  }
});
