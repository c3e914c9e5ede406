/**
 * A request key given in spellings that differ only by case (encryption context
 * `{"tenant":"alice","TENANT":"bob"}`): a request so made is allowed only if the request with any
 * one of its values alone would be — for every operator family, in Allow and Deny statements.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { callerFromArn, decide, parseIdentityPolicy, parsePolicy } from './index.ts';

const ACCT = '111122223333';
const KEY = `arn:aws:kms:us-east-1:${ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const CALLER = `arn:aws:iam::${ACCT}:user/bob`;
const VALUES = ['alice', 'bob', 'Bob', 'carol'];
const OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'StringEqualsIfExists',
  'StringNotEqualsIfExists',
  'ForAnyValue:StringEquals',
  'ForAllValues:StringEquals',
  'ForAnyValue:StringNotLike',
  'ForAllValues:StringNotEquals',
];
const KEY_SPELLINGS = ['kms:EncryptionContext:tenant', 'kms:encryptioncontext:TENANT', 'KMS:EncryptionContext:Tenant'];

const condition = fc.oneof(
  fc.record({ op: fc.constantFrom(...OPERATORS), key: fc.constantFrom(...KEY_SPELLINGS), values: fc.subarray(['alice', 'bob', 'b*'], { minLength: 1 }) }).map(({ op, key, values }) => ({ [op]: { [key]: values } })),
  fc.record({ key: fc.constantFrom(...KEY_SPELLINGS), v: fc.constantFrom('true', 'false') }).map(({ key, v }) => ({ Null: { [key]: v } })),
);
const statement = fc.record({ Effect: fc.constantFrom('Allow', 'Deny'), Condition: condition });

function allowed(key: unknown[], identity: unknown[], context: Record<string, string>): boolean {
  return decide({
    action: 'kms:Decrypt',
    resource: KEY,
    keyAccount: ACCT,
    principal: callerFromArn(CALLER),
    context,
    keyPolicy: parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*', Resource: '*' },
      ...key.map((s) => ({ ...(s as object), Principal: { AWS: CALLER }, Action: 'kms:Decrypt', Resource: '*' })),
    ] })),
    identityPolicies: identity.length ? [parseIdentityPolicy(JSON.stringify({ Version: '2012-10-17', Statement: identity.map((s) => ({ ...(s as object), Action: 'kms:Decrypt', Resource: '*' })) }))] : [],
  }).allowed;
}

test('a request with colliding keys is allowed only if each of its values alone would be', () => {
  fc.assert(
    fc.property(
      fc.array(statement, { maxLength: 3 }),
      fc.array(statement, { maxLength: 3 }),
      fc.uniqueArray(fc.constantFrom('tenant', 'TENANT', 'Tenant', 'tenanT'), { minLength: 2, maxLength: 3 }),
      fc.array(fc.constantFrom(...VALUES), { minLength: 3, maxLength: 3 }),
      (key, identity, spellings, values) => {
        const context = Object.fromEntries(spellings.map((k, i) => [`kms:EncryptionContext:${k}`, values[i]!]));
        if (!allowed(key, identity, context)) return;
        for (const v of Object.values(context)) {
          assert.ok(allowed(key, identity, { 'kms:EncryptionContext:tenant': v }), `allowed with ${JSON.stringify(context)} but not with tenant=${v}`);
        }
      },
    ),
    { numRuns: 2000 },
  );
});

test('an Allow needs every colliding value, a Deny takes any; the same value twice is no conflict', () => {
  const bobOnly = [{ Effect: 'Allow', Condition: { StringEquals: { 'kms:EncryptionContext:tenant': 'bob' } } }];
  const ctx = (a: string, b: string) => ({ 'kms:EncryptionContext:tenant': a, 'kms:EncryptionContext:TENANT': b });
  assert.equal(allowed([], bobOnly, ctx('alice', 'bob')), false);
  assert.equal(allowed([], bobOnly, ctx('bob', 'alice')), false);
  assert.equal(allowed([], bobOnly, ctx('bob', 'bob')), true);
  assert.equal(allowed(bobOnly, [], ctx('alice', 'bob')), false);
  const notAlice = [{ Effect: 'Allow', Condition: {} }, { Effect: 'Deny', Condition: { StringEquals: { 'kms:EncryptionContext:tenant': 'alice' } } }];
  assert.equal(allowed([], notAlice, ctx('bob', 'alice')), false);
  assert.equal(allowed([], notAlice, ctx('alice', 'bob')), false);
  assert.equal(allowed([], notAlice, ctx('bob', 'carol')), true);
  // Null: the key is present whichever spelling is read.
  assert.equal(allowed([], [{ Effect: 'Allow', Condition: { Null: { 'kms:EncryptionContext:tenant': 'false' } } }], ctx('alice', 'bob')), true);
  assert.equal(allowed([], [{ Effect: 'Allow', Condition: { Null: { 'kms:EncryptionContext:tenant': 'true' } } }], ctx('alice', 'bob')), false);
});
