/** Properties of the decision that hold for any policies (fast-check). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { callerFromArn, decide, type DecideInput, parseIdentityPolicy, parsePolicy, type Policy } from './index.ts';

const ACCOUNTS = ['111122223333', '444455556666'];
const PRINCIPALS = [
  '*',
  'arn:aws:iam::111122223333:root',
  '444455556666',
  'arn:aws:iam::111122223333:user/alice',
  'arn:aws:iam::111122223333:role/App',
  'arn:aws:iam::444455556666:role/App',
];
const CALLERS = [
  'arn:aws:iam::111122223333:root',
  'arn:aws:iam::111122223333:user/alice',
  'arn:aws:iam::111122223333:user/bob',
  'arn:aws:sts::111122223333:assumed-role/App/s1',
  'arn:aws:sts::444455556666:assumed-role/App/s1',
  'arn:aws:iam::444455556666:root',
];
const ACTIONS = ['kms:*', 'kms:Decrypt', 'kms:Encrypt', 'kms:Get*', 'kms:ScheduleKeyDeletion', '*'];
const CONDITIONS = [
  undefined,
  { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
  { StringNotEquals: { 'kms:CallerAccount': '444455556666' } },
  { 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['app'] } },
  { Null: { 'kms:EncryptionContextKeys': 'false' } },
];

const statement = (withPrincipal: boolean) =>
  fc.record({
    Effect: fc.constantFrom('Allow', 'Deny'),
    principal: fc.constantFrom(...PRINCIPALS),
    not: fc.boolean(),
    Action: fc.subarray(ACTIONS, { minLength: 1 }),
    Resource: fc.constantFrom('*', 'arn:aws:kms:*:111122223333:key/*', 'arn:aws:kms:us-east-1:444455556666:key/*'),
    Condition: fc.constantFrom(...CONDITIONS),
  }).map(({ principal, not, Condition, ...s }) => ({
    ...s,
    ...(withPrincipal ? { [not && s.Effect === 'Deny' ? 'NotPrincipal' : 'Principal']: principal === '*' ? '*' : { AWS: principal } } : {}),
    ...(Condition ? { Condition } : {}),
  }));

const request = fc.record({
  caller: fc.constantFrom(...CALLERS),
  action: fc.constantFrom('kms:Decrypt', 'kms:Encrypt', 'kms:GetKeyPolicy', 'kms:ScheduleKeyDeletion'),
  keyAccount: fc.constantFrom(...ACCOUNTS),
  via: fc.boolean(),
  contextKeys: fc.constantFrom<string[] | undefined>(undefined, [], ['app'], ['app', 'x']),
  grant: fc.boolean(),
});

const scenario = fc.record({
  key: fc.array(statement(true), { minLength: 1, maxLength: 5 }),
  identity: fc.array(statement(false), { maxLength: 3 }),
  req: request,
});

interface Req {
  caller: string;
  action: string;
  keyAccount: string;
  via: boolean;
  contextKeys: string[] | undefined;
  grant: boolean;
}

function input(key: Policy, identity: Policy[], r: Req): DecideInput {
  return {
    action: r.action,
    resource: `arn:aws:kms:us-east-1:${r.keyAccount}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
    keyAccount: r.keyAccount,
    principal: callerFromArn(r.caller),
    context: { ...(r.via ? { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } : {}), ...(r.contextKeys ? { 'kms:EncryptionContextKeys': r.contextKeys } : {}) },
    keyPolicy: key,
    identityPolicies: identity,
    grantAllows: r.grant,
  };
}

const keyPolicy = (statements: unknown[]) => parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }));
const idPolicy = (statements: unknown[]) => parseIdentityPolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }));

test('an unconditional Deny * in the key policy denies every request, grants included', () => {
  fc.assert(
    fc.property(scenario, ({ key, identity, req }) => {
      const d = decide(input(keyPolicy([...key, { Effect: 'Deny', Principal: '*', Action: '*', Resource: '*' }]), identity.length ? [idPolicy(identity)] : [], req));
      assert.equal(d.allowed, false);
      assert.equal(d.reason, 'explicit-deny');
    }),
    { numRuns: 500 },
  );
});

test('adding an identity-policy Allow never turns an allowed request into a denied one', () => {
  fc.assert(
    fc.property(scenario, statement(false), ({ key, identity, req }, extra) => {
      const kp = keyPolicy(key);
      const before = decide(input(kp, identity.length ? [idPolicy(identity)] : [], req));
      const after = decide(input(kp, [idPolicy([...identity, { ...extra, Effect: 'Allow' }])], req));
      if (before.allowed) assert.equal(after.allowed, true, `${before.reason} → ${after.reason}`);
    }),
    { numRuns: 500 },
  );
});

test('without any Allow for the caller, only a grant can allow', () => {
  fc.assert(
    fc.property(scenario, ({ key, identity, req }) => {
      const denies = key.map((s) => ({ ...s, Effect: 'Deny' }));
      const d = decide(input(keyPolicy(denies), identity.length ? [idPolicy(identity)] : [], req));
      if (d.allowed) assert.equal(d.reason, 'allowed-by-grant');
    }),
    { numRuns: 500 },
  );
});

test('every statement is reported once, matched or not', () => {
  fc.assert(
    fc.property(scenario, ({ key, identity, req }) => {
      const d = decide(input(keyPolicy(key), identity.length ? [idPolicy(identity)] : [], req));
      assert.equal(d.matched.length + d.notMatched.length, key.length + identity.length);
      for (const n of d.notMatched) assert.ok(n.why.length > 0);
    }),
    { numRuns: 300 },
  );
});
