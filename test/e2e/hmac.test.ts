/** HMAC keys through @aws-sdk/client-kms: CreateKey/DescribeKey, GenerateMac/VerifyMac, and AWS's texts. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  EnableKeyRotationCommand,
  GenerateMacCommand,
  SignCommand,
  VerifyMacCommand,
  type MacAlgorithmSpec,
} from '@aws-sdk/client-kms';
import { rejectsWith } from '../support/assert-aws.ts';
import { signedKmsRequest } from '../support/signed-request.ts';
import { startTrent, type Harness } from '../support/trent.ts';

let h: Harness;
const SPECS = [['HMAC_224', 'HMAC_SHA_224', 28], ['HMAC_256', 'HMAC_SHA_256', 32], ['HMAC_384', 'HMAC_SHA_384', 48], ['HMAC_512', 'HMAC_SHA_512', 64]] as const;
const keys = new Map<string, { id: string; arn: string }>();

before(async () => {
  h = await startTrent();
  for (const [spec] of SPECS) {
    const md = (await h.kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: 'GENERATE_VERIFY_MAC', Description: 'test key' }))).KeyMetadata!;
    keys.set(spec, { id: md.KeyId!, arn: md.Arn! });
  }
});
after(async () => {
  await h.stop();
});

const bytes = (s: string) => new TextEncoder().encode(s);

describe('HMAC keys', () => {
  test('CreateKey / DescribeKey metadata as recorded against AWS', async () => {
    const created = (await h.kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Description: 'test key' }))).KeyMetadata!;
    const described = (await h.kms.send(new DescribeKeyCommand({ KeyId: created.KeyId }))).KeyMetadata!;
    for (const md of [created, described]) {
      assert.equal(md.KeySpec, 'HMAC_256');
      assert.equal(md.CustomerMasterKeySpec, 'HMAC_256');
      assert.equal(md.KeyUsage, 'GENERATE_VERIFY_MAC');
      assert.deepEqual(md.MacAlgorithms, ['HMAC_SHA_256']);
      assert.equal(md.EncryptionAlgorithms, undefined);
      assert.equal(md.SigningAlgorithms, undefined);
      assert.equal(md.CurrentKeyMaterialId, undefined);
      assert.equal(md.Description, 'test key');
      assert.equal(md.Enabled, true);
      assert.equal(md.MultiRegion, false);
    }
    await rejectsWith(h.kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256' })), 'ValidationException', 'You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.');
    await rejectsWith(h.kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'ENCRYPT_DECRYPT' })), 'ValidationException', 'KeyUsage ENCRYPT_DECRYPT is not compatible with KeySpec HMAC_256');
  });

  test('GenerateMac / VerifyMac for every spec: deterministic, hash-sized, tamper-evident', async () => {
    for (const [spec, algorithm, length] of SPECS) {
      const k = keys.get(spec)!;
      const message = bytes('some important message');
      const g = await h.kms.send(new GenerateMacCommand({ KeyId: k.id, Message: message, MacAlgorithm: algorithm }));
      assert.equal(g.KeyId, k.arn);
      assert.equal(g.MacAlgorithm, algorithm);
      assert.equal(g.Mac!.length, length);
      const again = await h.kms.send(new GenerateMacCommand({ KeyId: k.arn, Message: message, MacAlgorithm: algorithm }));
      assert.deepEqual(again.Mac, g.Mac, 'HMAC is deterministic');
      const v = await h.kms.send(new VerifyMacCommand({ KeyId: k.id, Message: message, MacAlgorithm: algorithm, Mac: g.Mac }));
      assert.equal(v.MacValid, true);
      assert.equal(v.KeyId, k.arn);
      assert.equal(v.MacAlgorithm, algorithm);
      await rejectsWith(h.kms.send(new VerifyMacCommand({ KeyId: k.id, Message: bytes('some different important message'), MacAlgorithm: algorithm, Mac: g.Mac })), 'KMSInvalidMacException');
      const bad = Buffer.from(g.Mac!);
      bad[0]! ^= 1;
      await rejectsWith(h.kms.send(new VerifyMacCommand({ KeyId: k.id, Message: message, MacAlgorithm: algorithm, Mac: bad })), 'KMSInvalidMacException');
      await rejectsWith(h.kms.send(new VerifyMacCommand({ KeyId: k.id, Message: message, MacAlgorithm: algorithm, Mac: g.Mac!.subarray(0, length - 1) })), 'KMSInvalidMacException');
    }
    // Distinct keys give distinct MACs.
    const a = await h.kms.send(new GenerateMacCommand({ KeyId: keys.get('HMAC_256')!.id, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256' }));
    const other = (await h.kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }))).KeyMetadata!;
    const b = await h.kms.send(new GenerateMacCommand({ KeyId: other.KeyId, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256' }));
    assert.notDeepEqual(a.Mac, b.Mac);
  });

  test('AWS\'s texts: algorithm/spec mismatch, unknown algorithm, unknown key, key usage', async () => {
    const k224 = keys.get('HMAC_224')!;
    const k256 = keys.get('HMAC_256')!;
    await rejectsWith(h.kms.send(new GenerateMacCommand({ KeyId: k224.id, Message: bytes('some important message'), MacAlgorithm: 'HMAC_SHA_256' })), 'InvalidKeyUsageException', 'Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_224.');
    await rejectsWith(h.kms.send(new VerifyMacCommand({ KeyId: k256.id, Message: bytes('some important message'), MacAlgorithm: 'HMAC_SHA_512', Mac: randomBytes(64) })), 'InvalidKeyUsageException', 'Algorithm HMAC_SHA_512 is incompatible with key spec HMAC_256.');
    const enumText = "1 validation error detected: Value 'INVALID' at 'macAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]";
    await rejectsWith(h.kms.send(new GenerateMacCommand({ KeyId: k256.id, Message: bytes('x'), MacAlgorithm: 'INVALID' as MacAlgorithmSpec })), 'ValidationException', enumText);
    await rejectsWith(h.kms.send(new VerifyMacCommand({ KeyId: k256.id, Message: bytes('x'), MacAlgorithm: 'INVALID' as MacAlgorithmSpec, Mac: randomBytes(32) })), 'ValidationException', enumText);
    await rejectsWith(h.kms.send(new GenerateMacCommand({ KeyId: 'key_id', Message: bytes('x'), MacAlgorithm: 'HMAC_SHA_256' })), 'NotFoundException', "Invalid keyId 'key_id'");
    await rejectsWith(h.kms.send(new VerifyMacCommand({ KeyId: 'key_id', Message: bytes('x'), MacAlgorithm: 'HMAC_SHA_256', Mac: randomBytes(32) })), 'NotFoundException', "Invalid keyId 'key_id'");
    const sym = (await h.kms.send(new CreateKeyCommand({ Description: 'test key encrypt decrypt' }))).KeyMetadata!;
    await rejectsWith(h.kms.send(new GenerateMacCommand({ KeyId: sym.KeyId, Message: bytes('some important message'), MacAlgorithm: 'HMAC_SHA_224' })), 'InvalidKeyUsageException', `${sym.Arn} key usage is ENCRYPT_DECRYPT which is not valid for GenerateMac.`);
    await rejectsWith(h.kms.send(new SignCommand({ KeyId: k224.id, Message: bytes('test message 123!@#'), MessageType: 'RAW', SigningAlgorithm: 'RSASSA_PSS_SHA_256' })), 'InvalidKeyUsageException', `${k224.arn} key usage is GENERATE_VERIFY_MAC which is not valid for Sign.`);
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: k224.id, Plaintext: bytes('x') })), 'InvalidKeyUsageException', `${k224.arn} key usage is GENERATE_VERIFY_MAC which is not valid for Encrypt.`);
    // A symmetric ciphertext with an HMAC KeyId: the key is not the blob's (recorded against AWS).
    const blob = (await h.kms.send(new EncryptCommand({ KeyId: sym.KeyId, Plaintext: bytes('test message 123!@#') }))).CiphertextBlob;
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: blob, KeyId: k224.id })), 'IncorrectKeyException', 'The key ID in the request does not identify a CMK that can perform this operation.');
    await rejectsWith(h.kms.send(new EnableKeyRotationCommand({ KeyId: k224.id })), 'UnsupportedOperationException');
  });

  test('DryRun, message size, disabled key; the mismatch answers AWS\'s empty message on the wire', async () => {
    const k = keys.get('HMAC_384')!;
    await rejectsWith(h.kms.send(new GenerateMacCommand({ KeyId: k.id, Message: bytes('x'), MacAlgorithm: 'HMAC_SHA_384', DryRun: true })), 'DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.');
    await rejectsWith(h.kms.send(new VerifyMacCommand({ KeyId: k.id, Message: bytes('x'), MacAlgorithm: 'HMAC_SHA_384', Mac: randomBytes(48), DryRun: true })), 'DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.');
    await h.kms.send(new GenerateMacCommand({ KeyId: k.id, Message: randomBytes(4096), MacAlgorithm: 'HMAC_SHA_384' }));
    await rejectsWith(h.kms.send(new GenerateMacCommand({ KeyId: k.id, Message: randomBytes(4097), MacAlgorithm: 'HMAC_SHA_384' })), 'ValidationException', "1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to 4096");
    const r = await signedKmsRequest(h.trent.url, h.trent.caPath, 'VerifyMac', JSON.stringify({ KeyId: k.id, Message: 'bQ==', MacAlgorithm: 'HMAC_SHA_384', Mac: randomBytes(48).toString('base64') }));
    assert.equal(r.status, 400);
    assert.deepEqual(r.json(), { __type: 'KMSInvalidMacException', message: '' });
    const d = (await h.kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_512', KeyUsage: 'GENERATE_VERIFY_MAC' }))).KeyMetadata!;
    await h.kms.send(new DisableKeyCommand({ KeyId: d.KeyId }));
    await rejectsWith(h.kms.send(new GenerateMacCommand({ KeyId: d.KeyId, Message: bytes('x'), MacAlgorithm: 'HMAC_SHA_512' })), 'DisabledException', `${d.Arn} is disabled.`);
  });
});
