/** Nothing secret enters a record; what CloudTrail keeps, Trent keeps. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OPERATIONS } from '../operations/index.ts';
import { additionalEventData, requestParameters, responseElements } from './redact.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('request parameters: declared members only, no blobs, no sensitive members, no grant tokens; the context verbatim', () => {
  const spec = OPERATIONS.Encrypt.input!;
  const params = requestParameters(spec, {
    KeyId: 'alias/app',
    Plaintext: b64('top secret'),
    EncryptionContext: { Department: 'Engineering', __proto__: 'x', 'k:ü': 'v' },
    GrantTokens: ['token-secret'],
    Unknown: 'dropped',
  });
  assert.deepEqual(JSON.parse(JSON.stringify(params)), { keyId: 'alias/app', encryptionContext: { Department: 'Engineering', __proto__: 'x', 'k:ü': 'v' } });
  assert.ok(!JSON.stringify(params).includes('secret'));
});

test('request parameters of every operation never carry a blob or a grant token', () => {
  for (const [name, op] of Object.entries(OPERATIONS)) {
    const body: Record<string, unknown> = {};
    for (const [field, spec] of Object.entries(op.input ?? {})) {
      body[field] = spec.t === 'blob' ? b64('BLOB-VALUE') : field === 'GrantTokens' ? ['GRANT-TOKEN-SECRET'] : spec.t === 'list' ? ['item'] : spec.t === 'map' ? { a: 'b' } : spec.t === 'string' ? 'value' : spec.t === 'int' ? 1 : true;
    }
    const text = JSON.stringify(requestParameters(op.input, body));
    assert.ok(!text.includes(b64('BLOB-VALUE')), `${name} logged a blob`);
    if ('GrantTokens' in body) assert.ok(!text.includes('GRANT-TOKEN-SECRET'), `${name} logged grant tokens`);
  }
});

test('a member of the wrong type is dropped, not logged as sent', () => {
  assert.equal(requestParameters(OPERATIONS.DescribeKey.input, { KeyId: { evil: 'object' } }), null);
});

test('response elements: no Uint8Array survives, nor a grant token; names lowerCamelCase, dates ISO', () => {
  const out = responseElements({
    KeyId: 'arn:k',
    Plaintext: new Uint8Array([1, 2, 3]),
    PrivateKeyPlaintext: new Uint8Array([4]),
    GrantToken: 'secret-token',
    GrantId: 'g1',
    KeyMetadata: { AWSAccountId: '111122223333', CreationDate: new Date(0), Nested: { PublicKey: new Uint8Array([9]) } },
  });
  assert.deepEqual(out, { keyId: 'arn:k', grantId: 'g1', keyMetadata: { aWSAccountId: '111122223333', creationDate: '1970-01-01T00:00:00.000Z', nested: {} } });
  assert.deepEqual(additionalEventData({ KeyMaterialId: 'm1', SourceKeyMaterialId: 'm0', Other: 'x' }), { keyMaterialId: 'm1', sourceKeyMaterialId: 'm0' });
});
