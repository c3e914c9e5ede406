/**
 * Micro-check: a 20-statement key policy should be decided well over 100k times a second on one
 * thread (the policy is compiled once; the request path builds no regular expression). The rate is
 * printed, not asserted, because CI machines differ; only a gross regression (under 10k/s) fails.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callerFromArn, decide, type DecideInput, parseIdentityPolicy, parsePolicy } from './index.ts';

const ACCOUNT = '111122223333';

function twentyStatements(): string {
  const statements: unknown[] = [
    { Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
    {
      Sid: 'Admins',
      Effect: 'Allow',
      Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:role/KMSAdmin`, `arn:aws:iam::${ACCOUNT}:user/ops`] },
      Action: ['kms:Create*', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*', 'kms:Disable*', 'kms:Get*', 'kms:Delete*', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion'],
      Resource: '*',
    },
    { Sid: 'DenyOutsideVpce', Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { StringNotEquals: { 'aws:SourceVpce': ['vpce-1', 'vpce-2'] }, Bool: { 'aws:ViaAWSService': 'false' } } },
  ];
  for (let k = 0; statements.length < 19; k++) {
    statements.push({
      Sid: `App${k}`,
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/App${k}` },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'],
      Resource: '*',
      Condition: {
        StringEquals: { [`kms:EncryptionContext:app`]: `app-${k}` },
        'ForAllValues:StringLike': { 'kms:EncryptionContextKeys': ['app', 'tenant*'] },
        StringLike: { 'kms:ViaService': ['s3.*.amazonaws.com', 'dynamodb.*.amazonaws.com'] },
      },
    });
  }
  statements.push({
    Sid: 'Home',
    Effect: 'Allow',
    Principal: '*',
    Action: 'kms:Decrypt',
    Resource: '*',
    Condition: { StringEquals: { 'kms:CallerAccount': ACCOUNT, 'kms:EncryptionContext:owner': '${aws:userid}' } },
  });
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

test('a 20-statement policy decides at well over 100k/s (printed)', () => {
  const keyPolicy = parsePolicy(twentyStatements());
  assert.equal(keyPolicy.statements.length, 20);
  const identity = parseIdentityPolicy(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: `arn:aws:kms:*:${ACCOUNT}:key/*` }] }));
  const input: DecideInput = {
    action: 'kms:Decrypt',
    resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
    keyAccount: ACCOUNT,
    principal: callerFromArn(`arn:aws:sts::${ACCOUNT}:assumed-role/App7/worker`, { userid: 'AROAEXAMPLE:worker' }),
    context: {
      'kms:EncryptionContext:app': 'app-7',
      'kms:EncryptionContext:tenant-id': 't-42',
      'kms:EncryptionContextKeys': ['app', 'tenant-id'],
      'kms:ViaService': 's3.us-east-1.amazonaws.com',
      'aws:SourceVpce': 'vpce-1',
    },
    keyPolicy,
    identityPolicies: [identity],
    grantAllows: false,
  };
  const first = decide(input);
  assert.equal(first.reason, 'allowed-by-key-policy');

  for (let k = 0; k < 20_000; k++) decide(input); // warm-up
  const n = 200_000;
  const t0 = process.hrtime.bigint();
  let allowed = 0;
  for (let k = 0; k < n; k++) if (decide(input).allowed) allowed++;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const rate = Math.round(n / seconds);
  console.log(`policy decide: ${rate.toLocaleString('en-US')} decisions/s (20-statement key policy + 1 identity policy, single thread)`);
  assert.equal(allowed, n);
  assert.ok(rate > 10_000, `decide is far too slow: ${rate}/s`);
});
