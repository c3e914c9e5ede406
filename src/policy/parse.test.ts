import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LimitExceededException, MalformedPolicyDocumentException } from '../shared/errors.ts';
import {
  accessDeniedMessage,
  assertLockoutSafe,
  callerFromArn,
  decide,
  explainDecision,
  INVALID_PRINCIPALS_MESSAGE,
  LOCKOUT_MESSAGE,
  MAX_KEY_POLICY_BYTES,
  parseIdentityPolicy,
  parsePolicy,
} from './index.ts';

const root = (acct: string) => ({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'kms:*', Resource: '*' });

test('a key policy over 32768 bytes is refused; one at the limit is read', () => {
  const head = JSON.stringify({ Version: '2012-10-17', Statement: [root('111122223333')] });
  const pad = (n: number) => head.slice(0, -1) + ' '.repeat(n) + '}';
  const exact = pad(MAX_KEY_POLICY_BYTES - head.length);
  assert.equal(Buffer.byteLength(exact), MAX_KEY_POLICY_BYTES);
  parsePolicy(exact);
  assert.throws(() => parsePolicy(pad(MAX_KEY_POLICY_BYTES - head.length + 1)), LimitExceededException);
  // Bytes, not characters: 'é' is two bytes in UTF-8.
  const sidPad = 'é'.repeat(MAX_KEY_POLICY_BYTES / 2);
  assert.throws(() => parsePolicy(JSON.stringify({ Statement: [{ ...root('111122223333'), Sid: sidPad }] })), LimitExceededException);
});

test('isKnownPrincipal: a principal Trent does not know is an invalid principal', () => {
  const text = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/Ghost' }, Action: 'kms:*', Resource: '*' }] });
  assert.throws(
    () => parsePolicy(text, { isKnownPrincipal: (arn) => arn !== 'arn:aws:iam::111122223333:role/Ghost' }),
    (e: unknown) => e instanceof MalformedPolicyDocumentException && e.message === INVALID_PRINCIPALS_MESSAGE,
  );
  parsePolicy(text, { isKnownPrincipal: () => true });
});

test('partition option: a bare account id expands in the given partition', () => {
  const p = parsePolicy(JSON.stringify({ Statement: [{ ...root('1'), Principal: { AWS: '111122223333' } }] }), { partition: 'aws-cn' });
  assert.deepEqual(p.statements[0]!.principal, { AWS: ['arn:aws-cn:iam::111122223333:root'] });
});

test('a parsed policy serialises back to the normalised AST', () => {
  const p = parsePolicy(JSON.stringify({ Version: '2012-10-17', Id: 'x', Statement: { ...root('111122223333'), Condition: { Bool: { 'aws:SecureTransport': true } } } }));
  assert.deepEqual(JSON.parse(JSON.stringify(p)), {
    kind: 'key',
    name: 'default',
    version: '2012-10-17',
    id: 'x',
    statements: [{ effect: 'Allow', principal: { AWS: ['arn:aws:iam::111122223333:root'] }, action: ['kms:*'], resource: ['*'], condition: { Bool: { 'aws:SecureTransport': ['true'] } } }],
  });
});

test('a hand-built Policy (not from parse) is compiled on first use', () => {
  const p = { kind: 'identity' as const, name: 'inline', version: '2012-10-17' as const, statements: [{ effect: 'Allow' as const, action: ['kms:Decrypt'], resource: ['*'] }] };
  const d = decide({
    action: 'kms:Decrypt',
    resource: 'arn:aws:kms:us-east-1:111122223333:key/k',
    keyAccount: '111122223333',
    principal: callerFromArn('arn:aws:iam::111122223333:user/alice'),
    keyPolicy: parsePolicy(JSON.stringify({ Statement: [root('111122223333')] })),
    identityPolicies: [p],
  });
  assert.equal(d.reason, 'allowed-by-identity-policy');
});

test('explain names every statement and why it was skipped', () => {
  const keyPolicy = parsePolicy(
    JSON.stringify({
      Statement: [
        root('111122223333'),
        { Sid: 'Use', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:user/bob' }, Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } } },
      ],
    }),
  );
  const input = { action: 'kms:Decrypt', resource: 'arn:aws:kms:us-east-1:111122223333:key/k', keyAccount: '111122223333', principal: callerFromArn('arn:aws:iam::111122223333:user/bob'), keyPolicy };
  const d = decide(input);
  assert.equal(d.reason, 'no-identity-policy-allows');
  assert.deepEqual(d.notMatched.map((n) => [n.sid, n.failed]), [['Use', 'condition']]);
  assert.match(d.notMatched[0]!.why, /condition StringEquals kms:ViaService failed \(key absent\)/);
  const text = explainDecision(d);
  assert.match(text, /^DENIED: /);
  assert.match(text, /matched {2}key policy "default" statement 1 Allow: names the caller's account/);
  assert.match(text, /skipped {2}key policy "default" statement 2 \(Sid "Use"\) Allow: condition/);
  assert.equal(
    accessDeniedMessage(d, input),
    'User: arn:aws:iam::111122223333:user/bob is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111122223333:key/k because no identity-based policy allows the kms:Decrypt action',
  );
  assert.throws(() => accessDeniedMessage({ ...d, allowed: true }, input), TypeError);
});

test('assertLockoutSafe throws AWS\'s message', () => {
  const p = parsePolicy(JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/App' }, Action: 'kms:Decrypt', Resource: '*' }] }));
  assert.throws(
    () => assertLockoutSafe(p, callerFromArn('arn:aws:iam::111122223333:root')),
    (e: unknown) => e instanceof MalformedPolicyDocumentException && e.message === LOCKOUT_MESSAGE,
  );
  assertLockoutSafe(parsePolicy(JSON.stringify({ Statement: [root('111122223333')] })), callerFromArn('arn:aws:iam::111122223333:root'));
});

test('callerFromArn derives type and account; a role ARN is not a caller', () => {
  assert.deepEqual(callerFromArn('arn:aws:iam::111122223333:root'), { arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333', type: 'Root' });
  assert.equal(callerFromArn('arn:aws:sts::111122223333:assumed-role/R/sess').type, 'AssumedRole');
  assert.equal(callerFromArn('arn:aws:sts::111122223333:federated-user/carol').type, 'FederatedUser');
  assert.equal(callerFromArn('cloudtrail.amazonaws.com').type, 'AWSService');
  assert.throws(() => callerFromArn('arn:aws:iam::111122223333:role/R'), TypeError);
});

test('identity policies keep the name they were given', () => {
  const p = parseIdentityPolicy(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] }), { name: 'AdminAccess' });
  assert.equal(p.name, 'AdminAccess');
  assert.equal(p.kind, 'identity');
});

test('a parsed policy is frozen (its compiled form is cached per object)', () => {
  const p = parsePolicy(JSON.stringify({ Statement: [root('111122223333')] }));
  assert.ok(Object.isFrozen(p) && Object.isFrozen(p.statements) && Object.isFrozen(p.statements[0]!.action));
  assert.throws(() => (p.statements as unknown as unknown[]).push({}), TypeError);
});

test('aws:userid of a federated user is account:name', () => {
  const identity = parseIdentityPolicy(
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'aws:userid': '111122223333:carol' } } }] }),
  );
  const d = decide({
    action: 'kms:Decrypt',
    resource: 'arn:aws:kms:us-east-1:111122223333:key/k',
    keyAccount: '111122223333',
    principal: callerFromArn('arn:aws:sts::111122223333:federated-user/carol'),
    keyPolicy: parsePolicy(JSON.stringify({ Statement: [root('111122223333')] })),
    identityPolicies: [identity],
  });
  assert.equal(d.reason, 'allowed-by-identity-policy');
});
