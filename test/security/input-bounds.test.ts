/**
 * Sizes are bounded before any work: an oversized encryption context (in a request or in a
 * grant's constraints) is a ValidationException and changes nothing, where it was a 500
 * (RangeError from the AAD encoding); STS's RoleArn holds to the model's length.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  ListGrantsCommand,
  ReEncryptCommand,
} from '@aws-sdk/client-kms';
import { rejectsWith } from '../support/assert-aws.ts';
import { stsRequest } from '../support/signed-request.ts';
import { startTrent, TEST_ACCESS_KEY_ID, TEST_ACCOUNT, TEST_SECRET, type Harness } from '../support/trent.ts';

let h: Harness;
let keyId: string;
before(async () => {
  h = await startTrent();
  keyId = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
});
after(async () => {
  await h.stop();
});

const HUGE = { a: 'v'.repeat(70_000) };
const TOO_LARGE = /^1 validation error detected: Value at '(encryptionContext|sourceEncryptionContext|destinationEncryptionContext|constraints\.encryptionContext(Equals|Subset))' failed to satisfy constraint: Member must encode to at most 65535 bytes/;

describe('encryption context size', () => {
  test('a 70,000-byte context value: ValidationException (400) on every operation that takes a context', async () => {
    const plaintext = Buffer.from('secret');
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: HUGE })), 'ValidationException', TOO_LARGE);
    await rejectsWith(h.kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: HUGE })), 'ValidationException', TOO_LARGE);
    await rejectsWith(h.kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: HUGE })), 'ValidationException', TOO_LARGE);
    const blob = (await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext }))).CiphertextBlob!;
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: HUGE })), 'ValidationException', TOO_LARGE);
    await rejectsWith(h.kms.send(new ReEncryptCommand({ CiphertextBlob: blob, DestinationKeyId: keyId, SourceEncryptionContext: HUGE })), 'ValidationException', TOO_LARGE);
    await rejectsWith(h.kms.send(new ReEncryptCommand({ CiphertextBlob: blob, DestinationKeyId: keyId, DestinationEncryptionContext: HUGE })), 'ValidationException', TOO_LARGE);
  });

  test('many small pairs past the bound: refused too (the pair count is bounded by the same size)', async () => {
    const many = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, '']));
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x'), EncryptionContext: many })), 'ValidationException', TOO_LARGE);
  });

  test('a context of exactly 65,535 encoded bytes still round-trips', async () => {
    const edge = { a: 'v'.repeat(65_535 - 2 - 4 - 1) };
    const blob = (await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('edge'), EncryptionContext: edge }))).CiphertextBlob!;
    const out = await h.kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: edge }));
    assert.equal(Buffer.from(out.Plaintext!).toString(), 'edge');
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('edge'), EncryptionContext: { a: `${edge.a}v` } })), 'ValidationException', TOO_LARGE);
  });

  test('a grant constraint with an oversized context: ValidationException, and no grant is created', async () => {
    const grantee = `arn:aws:iam::${TEST_ACCOUNT}:root`;
    for (const Constraints of [{ EncryptionContextEquals: HUGE }, { EncryptionContextSubset: HUGE }]) {
      await rejectsWith(h.kms.send(new CreateGrantCommand({ KeyId: keyId, GranteePrincipal: grantee, Operations: ['Decrypt'], Constraints })), 'ValidationException', TOO_LARGE);
    }
    assert.deepEqual((await h.kms.send(new ListGrantsCommand({ KeyId: keyId }))).Grants, []);
  });
});

describe('STS inputs', () => {
  test('AssumeRole with a RoleArn past 2048 characters: ValidationError, not a lookup', async () => {
    const roleArn = `arn:aws:iam::${TEST_ACCOUNT}:role/${'r'.repeat(2100)}`;
    const r = await stsRequest(h.trent.url, h.trent.caPath, { Action: 'AssumeRole', RoleArn: roleArn, RoleSessionName: 'bounds' }, { accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET });
    assert.equal(r.status, 400, r.body);
    assert.match(r.body, /<Code>ValidationError<\/Code><Message>1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must have length less than or equal to 2048<\/Message>/);
  });
});
