/** The wire: JSON 1.1 framing, AWS error shapes, bounded input, no 5xx on client input. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateAliasCommand, CreateKeyCommand, ListAliasesCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import { rejectsWith } from '../support/assert-aws.ts';
import { rawRequest, signedKmsRequest, type RawResponse } from '../support/signed-request.ts';
import { startTrent, type Harness } from '../support/trent.ts';

let h: Harness;
before(async () => {
  h = await startTrent();
});
after(async () => {
  await h.stop();
});

function expectError(r: RawResponse, type: string, status = 400) {
  assert.equal(r.status, status, r.body);
  assert.equal(r.json().__type, type, r.body);
  assert.equal(typeof r.json().message, 'string');
  assert.ok(r.headers['x-amzn-requestid'], 'x-amzn-RequestId on errors');
  assert.ok(r.headers['date'], 'Date on errors');
}

describe('JSON 1.1 framing', () => {
  test('GET /healthz answers 200', async () => {
    const r = await rawRequest(h.trent.url, h.trent.caPath, { method: 'GET', path: '/healthz', headers: {}, body: '' });
    assert.equal(r.status, 200);
  });

  test('every response carries x-amzn-RequestId, unique per request', async () => {
    const a = await signedKmsRequest(h.trent.url, h.trent.caPath, 'ListKeys', '{}');
    const b = await signedKmsRequest(h.trent.url, h.trent.caPath, 'ListKeys', '{}');
    assert.equal(a.status, 200);
    assert.equal(a.headers['content-type'], 'application/x-amz-json-1.1');
    assert.match(String(a.headers['x-amzn-requestid']), /^[0-9a-f-]{36}$/);
    assert.notEqual(a.headers['x-amzn-requestid'], b.headers['x-amzn-requestid']);
  });

  test('unknown X-Amz-Target → UnknownOperationException', async () => {
    expectError(await signedKmsRequest(h.trent.url, h.trent.caPath, 'NoSuchThing', '{}'), 'UnknownOperationException');
    expectError(await signedKmsRequest(h.trent.url, h.trent.caPath, '__proto__', '{}'), 'UnknownOperationException');
    expectError(await signedKmsRequest(h.trent.url, h.trent.caPath, 'constructor', '{}'), 'UnknownOperationException');
  });

  test('malformed JSON and wrong field types → SerializationException', async () => {
    const cases: [string, string][] = [
      ['DescribeKey', '{not json'],
      ['GenerateRandom', '[]'],
      ['DescribeKey', '"str"'],
      ['DescribeKey', '{"KeyId": 123}'],
      ['GenerateRandom', '{"NumberOfBytes": "32"}'],
      ['GenerateRandom', '{"NumberOfBytes": 1.5}'],
      ['DescribeKey', '{"KeyId": {"a": 1}}'],
      ['Encrypt', '{"KeyId":"x","Plaintext":"***"}'],
      ['Encrypt', '{"KeyId":"x","Plaintext":"YQ"}'],
      ['Encrypt', '{"KeyId":"x","Plaintext":"YQ==","EncryptionContext":{"a":1}}'],
      ['Encrypt', '{"KeyId":"x","Plaintext":"YQ==","GrantTokens":"t"}'],
      ['DescribeKey', '['.repeat(100_000)],
    ];
    for (const [target, body] of cases) {
      expectError(await signedKmsRequest(h.trent.url, h.trent.caPath, target, body), 'SerializationException');
    }
  });

  test('missing required members → ValidationException naming them', async () => {
    const r = await signedKmsRequest(h.trent.url, h.trent.caPath, 'Encrypt', '{}');
    expectError(r, 'ValidationException');
    assert.equal(r.json().message, "2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; Value null at 'plaintext' failed to satisfy constraint: Member must not be null");
  });

  test('an oversized body is refused without a 5xx and the server keeps serving', async () => {
    const r = await signedKmsRequest(h.trent.url, h.trent.caPath, 'Encrypt', Buffer.alloc(2 * 1024 * 1024, 0x20));
    assert.ok(r.status >= 400 && r.status < 500, `status ${r.status}`);
    await h.kms.send(new ListKeysCommand({}));
  });
});

describe("AWS's model and the rules beyond it", () => {
  test('a pattern is matched whole and quoted as the model writes it', async () => {
    const r = await signedKmsRequest(h.trent.url, h.trent.caPath, 'ListKeys', JSON.stringify({ Marker: '\u0001' }));
    expectError(r, 'ValidationException');
    assert.equal(r.json().message, "1 validation error detected: Value '\u0001' at 'marker' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0020-\\u00FF]*");
  });

  test('the deprecated CustomerMasterKeySpec takes only its own enum (no ML-DSA or Ed25519) and creates nothing', async () => {
    const before = (await h.kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys?.length;
    for (const spec of ['ML_DSA_44', 'ECC_NIST_EDWARDS25519']) {
      const r = await signedKmsRequest(h.trent.url, h.trent.caPath, 'CreateKey', JSON.stringify({ CustomerMasterKeySpec: spec, KeyUsage: 'SIGN_VERIFY' }));
      expectError(r, 'ValidationException');
      assert.match(r.json().message ?? '', new RegExp(`^1 validation error detected: Value '${spec}' at 'customerMasterKeySpec' failed to satisfy constraint: Member must satisfy enum value set: \\[`));
    }
    assert.equal((await h.kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys?.length, before);
  });

  test("CreateAlias refuses ':' in the name, which the model's pattern allows, and creates nothing", async () => {
    const key = await h.kms.send(new CreateKeyCommand({}));
    await rejectsWith(h.kms.send(new CreateAliasCommand({ AliasName: 'alias/my:alias', TargetKeyId: key.KeyMetadata!.KeyId! })), 'ValidationException', 'alias/my:alias contains invalid characters for an alias');
    const aliases = await h.kms.send(new ListAliasesCommand({ KeyId: key.KeyMetadata!.KeyId! }));
    assert.deepEqual(aliases.Aliases ?? [], []);
  });
});

describe('authentication', () => {
  test('no credentials → MissingAuthenticationTokenException', async () => {
    const r = await rawRequest(h.trent.url, h.trent.caPath, { headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' }, body: '{}' });
    expectError(r, 'MissingAuthenticationTokenException', r.status);
    assert.ok(r.status >= 400 && r.status < 500);
  });

  test('unknown access key → UnrecognizedClientException', async () => {
    const r = await signedKmsRequest(h.trent.url, h.trent.caPath, 'ListKeys', '{}', { accessKeyId: 'AKIANOTKNOWN00000000', secret: 'whatever-secret-000000000000000000000000' });
    expectError(r, 'UnrecognizedClientException', r.status);
  });

  test('a wrong secret → InvalidSignatureException', async () => {
    const r = await signedKmsRequest(h.trent.url, h.trent.caPath, 'ListKeys', '{}', { secret: 'not-the-secret-0000000000000000000000000' });
    expectError(r, 'InvalidSignatureException', r.status);
  });
});
