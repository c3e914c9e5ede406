/** Encrypt, Decrypt, ReEncrypt, GenerateDataKey*, GenerateRandom through the SDK. */
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateRandomCommand,
  ReEncryptCommand,
} from '@aws-sdk/client-kms';
import { rejectsWith } from '../support/assert-aws.ts';
import { startTrent, TEST_ACCOUNT, type Harness } from '../support/trent.ts';

let h: Harness;
let keyId: string;
let keyArn: string;
let otherKeyId: string;
before(async () => {
  h = await startTrent();
  const a = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
  keyId = a.KeyId!;
  keyArn = a.Arn!;
  otherKeyId = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/crypto-test', TargetKeyId: keyId }));
});
after(async () => {
  await h.stop();
});

const bytes = (s: string) => new TextEncoder().encode(s);

describe('Encrypt / Decrypt', () => {
  test('round-trips with every key identifier form, without KeyId on Decrypt', async () => {
    for (const id of [keyId, keyArn, 'alias/crypto-test', `arn:aws:kms:us-east-1:${TEST_ACCOUNT}:alias/crypto-test`]) {
      const e = await h.kms.send(new EncryptCommand({ KeyId: id, Plaintext: bytes('pet health record') }));
      assert.equal(e.KeyId, keyArn);
      assert.equal(e.EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
      const d = await h.kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob }));
      assert.equal(Buffer.from(d.Plaintext!).toString(), 'pet health record');
      assert.equal(d.KeyId, keyArn);
      assert.equal(d.EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
      assert.match(d.KeyMaterialId!, /^[0-9a-f]{64}$/);
    }
  });

  test('ciphertexts are non-deterministic and bound to their encryption context', async () => {
    const ctx = { PetId: '42', Owner: 'alex' };
    const a = await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x'), EncryptionContext: ctx }));
    const b = await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x'), EncryptionContext: ctx }));
    assert.notDeepEqual(a.CiphertextBlob, b.CiphertextBlob);
    const ok = await h.kms.send(new DecryptCommand({ CiphertextBlob: a.CiphertextBlob, EncryptionContext: { Owner: 'alex', PetId: '42' } }));
    assert.equal(Buffer.from(ok.Plaintext!).toString(), 'x');
    const wrongs: (Record<string, string> | undefined)[] = [undefined, {}, { PetId: '42' }, { PetId: '42', Owner: 'Alex' }, { PetId: '42', Owner: 'alex', extra: '' }];
    for (const wrong of wrongs) {
      await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: a.CiphertextBlob, ...(wrong ? { EncryptionContext: wrong } : {}) })), 'InvalidCiphertextException');
    }
  });

  test('context {"ab":"c"} does not decrypt what {"a":"bc"} encrypted (length-prefixed AAD)', async () => {
    const e = await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x'), EncryptionContext: { a: 'bc' } }));
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: { ab: 'c' } })), 'InvalidCiphertextException');
  });

  test('non-ASCII context keys and values work', async () => {
    const ctx = { 'clé': 'été ☃', '猫': '🐈' };
    const e = await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x'), EncryptionContext: ctx }));
    const d = await h.kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: ctx }));
    assert.equal(Buffer.from(d.Plaintext!).toString(), 'x');
  });

  test('Decrypt with another KeyId is IncorrectKeyException; tampering is InvalidCiphertextException', async () => {
    const e = await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('secret') }));
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, KeyId: otherKeyId })), 'IncorrectKeyException', 'The key ID in the request does not identify a CMK that can perform this operation.');
    const ok = await h.kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, KeyId: 'alias/crypto-test' }));
    assert.equal(Buffer.from(ok.Plaintext!).toString(), 'secret');
    const blob = Buffer.from(e.CiphertextBlob!);
    for (const i of [0, 1, 5, 20, 55, blob.length - 20, blob.length - 1]) {
      const t = Buffer.from(blob);
      t[i] = t[i]! ^ 0x01;
      await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: t })), 'InvalidCiphertextException');
    }
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: blob.subarray(0, blob.length - 1) })), 'InvalidCiphertextException');
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: randomBytes(100) })), 'InvalidCiphertextException');
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: bytes('x') })), 'InvalidCiphertextException');
  });

  test('plaintext size limits: 1..4096 bytes', async () => {
    await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: randomBytes(4096) }));
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: randomBytes(4097) })), 'ValidationException', '1 validation error detected: Value at \'plaintext\' failed to satisfy constraint: Member must have length less than or equal to 4096');
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: new Uint8Array(0) })), 'ValidationException');
  });

  test('unknown key and DryRun', async () => {
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: 'alias/none', Plaintext: bytes('x') })), 'NotFoundException', `Alias arn:aws:kms:us-east-1:${TEST_ACCOUNT}:alias/none is not found.`);
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x'), DryRun: true })), 'DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.');
  });
});

describe('ReEncrypt', () => {
  test('moves a ciphertext to another key and context', async () => {
    const e = await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('move me'), EncryptionContext: { a: '1' } }));
    const r = await h.kms.send(new ReEncryptCommand({ CiphertextBlob: e.CiphertextBlob, SourceEncryptionContext: { a: '1' }, DestinationKeyId: otherKeyId, DestinationEncryptionContext: { b: '2' } }));
    assert.equal(r.SourceKeyId, keyArn);
    assert.equal(r.KeyId, `arn:aws:kms:us-east-1:${TEST_ACCOUNT}:key/${otherKeyId}`);
    assert.match(r.SourceKeyMaterialId!, /^[0-9a-f]{64}$/);
    assert.match(r.DestinationKeyMaterialId!, /^[0-9a-f]{64}$/);
    const d = await h.kms.send(new DecryptCommand({ CiphertextBlob: r.CiphertextBlob, EncryptionContext: { b: '2' } }));
    assert.equal(Buffer.from(d.Plaintext!).toString(), 'move me');
    await rejectsWith(h.kms.send(new ReEncryptCommand({ CiphertextBlob: e.CiphertextBlob, SourceEncryptionContext: { a: '1' }, SourceKeyId: otherKeyId, DestinationKeyId: keyId })), 'IncorrectKeyException');
    await rejectsWith(h.kms.send(new ReEncryptCommand({ CiphertextBlob: e.CiphertextBlob, DestinationKeyId: keyId })), 'InvalidCiphertextException');
  });
});

describe('GenerateDataKey (envelope encryption, as in the seed)', () => {
  test('AES_256 data key encrypts data locally and decrypts back through KMS', async () => {
    const dk = await h.kms.send(new GenerateDataKeyCommand({ KeyId: 'alias/crypto-test', KeySpec: 'AES_256', EncryptionContext: { app: 'pettracker' } }));
    assert.equal(dk.Plaintext!.length, 32);
    assert.equal(dk.KeyId, keyArn);
    assert.match(dk.KeyMaterialId!, /^[0-9a-f]{64}$/);
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', dk.Plaintext!, iv);
    const data = Buffer.concat([c.update('records of Rex'), c.final()]);
    const tag = c.getAuthTag();
    const back = await h.kms.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob, EncryptionContext: { app: 'pettracker' } }));
    assert.deepEqual(Buffer.from(back.Plaintext!), Buffer.from(dk.Plaintext!));
    const d = createDecipheriv('aes-256-gcm', back.Plaintext!, iv);
    d.setAuthTag(tag);
    assert.equal(Buffer.concat([d.update(data), d.final()]).toString(), 'records of Rex');
  });

  test('AES_128, NumberOfBytes, WithoutPlaintext, and the either/or rule', async () => {
    assert.equal((await h.kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_128' }))).Plaintext!.length, 16);
    assert.equal((await h.kms.send(new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 1024 }))).Plaintext!.length, 1024);
    const w = await h.kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyId, KeySpec: 'AES_256' }));
    assert.equal((w as { Plaintext?: unknown }).Plaintext, undefined);
    const back = await h.kms.send(new DecryptCommand({ CiphertextBlob: w.CiphertextBlob }));
    assert.equal(back.Plaintext!.length, 32);
    await rejectsWith(h.kms.send(new GenerateDataKeyCommand({ KeyId: keyId })), 'ValidationException', 'Please specify either number of bytes or key spec.');
    await rejectsWith(h.kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', NumberOfBytes: 32 })), 'ValidationException', 'Please specify either number of bytes or key spec.');
    await rejectsWith(h.kms.send(new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 1025 })), 'ValidationException', "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024");
  });
});

describe('GenerateRandom', () => {
  test('returns the requested number of random bytes; AWS texts for bad counts', async () => {
    const a = await h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 32 }));
    const b = await h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 32 }));
    assert.equal(a.Plaintext!.length, 32);
    assert.notDeepEqual(a.Plaintext, b.Plaintext);
    await rejectsWith(h.kms.send(new GenerateRandomCommand({})), 'ValidationException', 'NumberOfBytes is required.');
    await rejectsWith(h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 0 })), 'ValidationException', "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1");
    await rejectsWith(h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 1025 })), 'ValidationException', "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024");
  });
});
