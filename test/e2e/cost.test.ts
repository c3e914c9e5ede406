/**
 * `trent cost`: a scripted workload with known counts, on the test clock, gives the bill computed
 * by hand from the price table (src/metrics/price-table.ts).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Bill } from '../../src/metrics/cost.ts';
import { run } from '../support/run.ts';
import { rawRequest, signedKmsRequest } from '../support/signed-request.ts';
import { ROOT, startTrent, type Harness } from '../support/trent.ts';

let h: Harness;
before(async () => {
  h = await startTrent({ config: { clockControl: true, schedulerIntervalSeconds: 3600 } });
});
after(async () => {
  await h.stop();
});

async function ok(op: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const r = await signedKmsRequest(h.trent.url, h.trent.caPath, op, JSON.stringify(body));
  assert.equal(r.status, 200, `${op}: ${r.body}`);
  return r.json();
}

async function clock(body: Record<string, unknown>): Promise<void> {
  const r = await rawRequest(h.trent.url, h.trent.caPath, { method: 'POST', path: '/_trent/clock', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(r.status, 200, r.body);
}

const newKey = async (body: Record<string, unknown> = {}) => ((await ok('CreateKey', body)).KeyMetadata as { KeyId: string; Arn: string });
const b64 = (s: string) => Buffer.from(s).toString('base64');
const near = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} != ${expected}`);

test('a scripted month gives the bill computed by hand', async () => {
  await clock({ setTime: '2030-01-01T00:00:00Z' });
  const k1 = await newKey(); // the whole month: 744 h
  const k2 = await newKey(); // the whole month, rotated three times: two rotations billed
  const k3 = await newKey(); // scheduled for deletion after 10 days, then deleted
  for (let i = 0; i < 3; i++) await ok('RotateKeyOnDemand', { KeyId: k2.KeyId });

  for (let i = 0; i < 10; i++) await ok('Encrypt', { KeyId: k1.KeyId, Plaintext: b64(`m${i}`), EncryptionContext: { app: 'x' } });
  for (let i = 0; i < 6; i++) await ok('GenerateDataKey', { KeyId: k1.KeyId, KeySpec: 'AES_256', EncryptionContext: { 'aws:s3:arn': `arn:aws:s3:::bucket/object-${i}` } });
  const ct = (await ok('Encrypt', { KeyId: k1.KeyId, Plaintext: b64('once'), EncryptionContext: { app: 'x' } })).CiphertextBlob;
  for (let i = 0; i < 4; i++) await ok('Decrypt', { CiphertextBlob: ct, EncryptionContext: { app: 'x' } });
  for (let i = 0; i < 2; i++) await ok('GenerateDataKeyPair', { KeyId: k1.KeyId, KeyPairSpec: 'RSA_2048' });
  await ok('GenerateDataKeyPair', { KeyId: k1.KeyId, KeyPairSpec: 'ECC_NIST_P256' });
  // An error is not billed.
  assert.equal((await signedKmsRequest(h.trent.url, h.trent.caPath, 'Encrypt', JSON.stringify({ KeyId: 'alias/none', Plaintext: b64('x') }))).status, 400);

  await clock({ advanceSeconds: 10 * 86400 });
  await ok('ScheduleKeyDeletion', { KeyId: k3.KeyId, PendingWindowInDays: 7 });
  const k4 = await newKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }); // from day 10: 504 h
  const k5 = await newKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }); // from day 10: 504 h
  for (let i = 0; i < 5; i++) await ok('Sign', { KeyId: k4.KeyId, Message: b64(`s${i}`), MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' });
  for (let i = 0; i < 3; i++) await ok('GenerateMac', { KeyId: k5.KeyId, Message: b64(`h${i}`), MacAlgorithm: 'HMAC_SHA_256' });
  await clock({ advanceSeconds: 8 * 86400 }); // the deletion falls due and the scheduler runs

  const cost = async (...extra: string[]) => {
    const r = await run(process.execPath, [join(ROOT, 'bin/trent.js'), 'cost', '--data-dir', h.dataDir, '--month', '2030-01', ...extra]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  const bill = JSON.parse(await cost('--json', '--no-free-tier')) as Bill;

  // By hand. Requests: symmetric 10 + 1 Encrypt, 6 GenerateDataKey, 4 Decrypt = 21; general: 5
  // CreateKey + 3 RotateKeyOnDemand + 1 ScheduleKeyDeletion = 9; hmac 3; asymmetric (ECC Sign) 5;
  // RSA pairs 2; ECC pairs 1.
  const per10k = { symmetric: 0.03, general: 0.03, hmac: 0.03, asymmetric: 0.15, 'rsa-data-key-pair': 12, 'ecc-data-key-pair': 0.1 };
  const counts = { symmetric: 21, general: 9, hmac: 3, asymmetric: 5, 'rsa-data-key-pair': 2, 'ecc-data-key-pair': 1 };
  const requestCharge = Object.entries(counts).reduce((s, [c, n]) => s + (n * per10k[c as keyof typeof per10k]) / 10_000, 0);
  // Keys: k1 744/744, k2 744/744 + two rotations 2 * 744/744, k3 billed until it was scheduled
  // for deletion (10 days, plus the real seconds the test took between the two calls if they
  // fell in different seconds: 240 or 241 started hours), k4 and k5 from day 10 (504 h); the
  // pending-deletion days of k3 are free.
  const k3bill = bill.keys.find((k) => k.key === k3.Arn)!;
  const k3hours = Math.ceil((Date.parse(k3bill.pendingDeletionSince!) - Date.parse(k3bill.createdAt!)) / 3_600_000);
  assert.ok(k3hours === 240 || k3hours === 241, String(k3hours));
  const keyCharge = 1 + 3 + k3hours / 744 + 504 / 744 + 504 / 744;

  assert.equal(bill.hoursInMonth, 744);
  assert.equal(bill.requests, 41);
  const acct = bill.accounts[0]!;
  assert.deepEqual(acct.requests, Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0)));
  near(acct.requestCharge, requestCharge, 'request charge');
  near(acct.keyCharge, keyCharge, 'key charge');
  near(bill.total, requestCharge + keyCharge, 'total');

  const byKey = new Map(bill.keys.map((k) => [k.key, k]));
  assert.equal(byKey.get(k1.Arn)!.billedHours, 744);
  assert.equal(byKey.get(k2.Arn)!.billedRotations, 2);
  near(byKey.get(k2.Arn)!.rotationCharge, 2, 'k2 rotations');
  assert.equal(byKey.get(k3.Arn)!.billedHours, k3hours);
  assert.ok(byKey.get(k3.Arn)!.deletedAt?.startsWith('2030-01-19'), String(byKey.get(k3.Arn)!.deletedAt));
  assert.equal(byKey.get(k4.Arn)!.billedHours, 504);
  assert.deepEqual(byKey.get(k4.Arn)!.requests, { general: 1, asymmetric: 5 });
  assert.deepEqual(byKey.get(k1.Arn)!.requests, { general: 1, symmetric: 21, 'rsa-data-key-pair': 2, 'ecc-data-key-pair': 1 });
  near(byKey.get(k1.Arn)!.requestCharge, (22 * 0.03 + 2 * 12 + 0.1) / 10_000, 'k1 requests');

  // Repeats within the cache window: 5 of the 6 GenerateDataKey (one bucket) and 3 of the 4 Decrypt.
  assert.equal(bill.savings.repeatedCalls, 8);
  assert.deepEqual(bill.savings.byEvent, { GenerateDataKey: 5, Decrypt: 3 });
  assert.equal(bill.savings.bucketKeyCalls, 5);
  near(bill.savings.charge, (8 * 0.03) / 10_000, 'savings');

  // With the free tier: the 33 symmetric, general and HMAC requests are free.
  const free = JSON.parse(await cost('--json')) as Bill;
  assert.equal(free.accounts[0]!.freeTierRequests, 33);
  near(free.accounts[0]!.requestCharge, (5 * 0.15 + 2 * 12 + 0.1) / 10_000, 'request charge after the free tier');

  const text = await cost();
  assert.match(text, /AWS KMS estimate for 2030-01 \(744 hours; with the free tier\)/);
  assert.match(text, /caching: 8 call\(s\) repeated a caller, key and encryption context within 300 s/);
});

test('a multi-Region replica is a key of its own Region, billed from its ReplicateKey', async () => {
  await clock({ setTime: '2031-03-01T00:00:00Z' });
  const primary = await newKey({ MultiRegion: true });
  const replica = (await ok('ReplicateKey', { KeyId: primary.KeyId, ReplicaRegion: 'eu-west-1' })).ReplicaKeyMetadata as { Arn: string };
  assert.equal(replica.Arn, primary.Arn.replace(':us-east-1:', ':eu-west-1:'));
  const r = await run(process.execPath, [join(ROOT, 'bin/trent.js'), 'cost', '--data-dir', h.dataDir, '--month', '2031-03', '--json', '--no-free-tier']);
  assert.equal(r.code, 0, r.stderr);
  const bill = JSON.parse(r.stdout) as Bill;
  const byKey = new Map(bill.keys.map((k) => [k.key, k]));
  assert.equal(byKey.get(primary.Arn)?.billedHours, 744);
  assert.equal(byKey.get(replica.Arn)?.billedHours, 744);
});
