/** Key lifecycle through @aws-sdk/client-kms against a live Trent (HTTPS). */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CancelKeyDeletionCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  GetKeyPolicyCommand,
  ListKeyPoliciesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateKeyDescriptionCommand,
} from '@aws-sdk/client-kms';
import { rejectsWith } from '../support/assert-aws.ts';
import { startTrent, TEST_ACCOUNT, type Harness } from '../support/trent.ts';

let h: Harness;
before(async () => {
  h = await startTrent();
});
after(async () => {
  await h.stop();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('CreateKey / DescribeKey', () => {
  test('creates a symmetric key with AWS metadata and the default key policy', async () => {
    const { KeyMetadata: md } = await h.kms.send(new CreateKeyCommand({ Description: 'PetTracker encryption key', Tags: [{ TagKey: 'Application', TagValue: 'PetTracker' }] }));
    assert.ok(md);
    assert.match(md.KeyId!, UUID);
    assert.equal(md.Arn, `arn:aws:kms:us-east-1:${TEST_ACCOUNT}:key/${md.KeyId}`);
    assert.equal(md.AWSAccountId, TEST_ACCOUNT);
    assert.equal(md.KeyState, 'Enabled');
    assert.equal(md.Enabled, true);
    assert.equal(md.KeyUsage, 'ENCRYPT_DECRYPT');
    assert.equal(md.KeySpec, 'SYMMETRIC_DEFAULT');
    assert.equal(md.CustomerMasterKeySpec, 'SYMMETRIC_DEFAULT');
    assert.equal(md.KeyManager, 'CUSTOMER');
    assert.equal(md.Origin, 'AWS_KMS');
    assert.equal(md.MultiRegion, false);
    assert.deepEqual(md.EncryptionAlgorithms, ['SYMMETRIC_DEFAULT']);
    assert.match(md.CurrentKeyMaterialId!, /^[0-9a-f]{64}$/);
    assert.ok(md.CreationDate instanceof Date && Math.abs(md.CreationDate.getTime() - Date.now()) < 60_000);

    const byId = await h.kms.send(new DescribeKeyCommand({ KeyId: md.KeyId }));
    const byArn = await h.kms.send(new DescribeKeyCommand({ KeyId: md.Arn }));
    assert.deepEqual(byId.KeyMetadata, md);
    assert.deepEqual(byArn.KeyMetadata, md);

    const policy = JSON.parse((await h.kms.send(new GetKeyPolicyCommand({ KeyId: md.KeyId, PolicyName: 'default' }))).Policy!);
    assert.deepEqual(policy, {
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
    });
    const tags = await h.kms.send(new ListResourceTagsCommand({ KeyId: md.KeyId }));
    assert.deepEqual(tags.Tags, [{ TagKey: 'Application', TagValue: 'PetTracker' }]);
  });

  test('refuses what AWS refuses at creation', async () => {
    await rejectsWith(h.kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256' })), 'ValidationException', 'You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.');
    await rejectsWith(h.kms.send(new CreateKeyCommand({ KeyUsage: 'SIGN_VERIFY' })), 'ValidationException', /KeyUsage SIGN_VERIFY is not compatible with KeySpec SYMMETRIC_DEFAULT/);
    await rejectsWith(h.kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_random' as never, KeyUsage: 'GENERATE_VERIFY_MAC' })), 'ValidationException', /^1 validation error detected: Value 'HMAC_random' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set/);
    await rejectsWith(h.kms.send(new CreateKeyCommand({ Description: 'x'.repeat(8193) })), 'ValidationException', /at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192/);
    await rejectsWith(h.kms.send(new CreateKeyCommand({ Tags: [{ TagKey: 'aws:foo', TagValue: 'x' }] })), 'TagException', 'Tags beginning with aws: are reserved');
    await rejectsWith(h.kms.send(new CreateKeyCommand({ Tags: [{ TagKey: 'AWS:foo', TagValue: 'x' }] })), 'TagException', 'Tags beginning with aws: are reserved');
    await rejectsWith(h.kms.send(new CreateKeyCommand({ Tags: [{ TagKey: 'a', TagValue: 'x' }, { TagKey: 'a', TagValue: 'y' }] })), 'TagException', 'Duplicate tag keys');
    await rejectsWith(h.kms.send(new CreateKeyCommand({ Tags: Array.from({ length: 51 }, (_, i) => ({ TagKey: `k${i}`, TagValue: 'v' })) })), 'TagException', 'Too many tags');
    await rejectsWith(h.kms.send(new CreateKeyCommand({ Tags: [{ TagKey: 'k', TagValue: 'v'.repeat(257) }] })), 'ValidationException', /at 'tags.1.member.tagValue' failed to satisfy constraint: Member must have length less than or equal to 256$/);
    await rejectsWith(h.kms.send(new CreateKeyCommand({ Policy: '{not json' })), 'MalformedPolicyDocumentException');
  });

  test('a refused CreateKey creates nothing', async () => {
    const before = (await h.kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys!.length;
    await rejectsWith(h.kms.send(new CreateKeyCommand({ Tags: [{ TagKey: 'aws:x', TagValue: '' }] })), 'TagException');
    await rejectsWith(h.kms.send(new CreateKeyCommand({ Policy: '[]' })), 'MalformedPolicyDocumentException');
    const after = (await h.kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys!.length;
    assert.equal(after, before);
  });

  test('DescribeKey of unknown or malformed ids: NotFoundException with AWS texts', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    await rejectsWith(h.kms.send(new DescribeKeyCommand({ KeyId: missing })), 'NotFoundException', `Key 'arn:aws:kms:us-east-1:${TEST_ACCOUNT}:key/${missing}' does not exist`);
    await rejectsWith(h.kms.send(new DescribeKeyCommand({ KeyId: 'fake-key-id' })), 'NotFoundException', "Invalid keyId 'fake-key-id'");
    await rejectsWith(h.kms.send(new DescribeKeyCommand({ KeyId: 'mrk-fake-key-id' })), 'NotFoundException', "Invalid keyId 'mrk-fake-key-id'");
    await rejectsWith(h.kms.send(new DescribeKeyCommand({ KeyId: `arn:aws:kms:eu-west-1:${TEST_ACCOUNT}:key/${missing}` })), 'NotFoundException', 'Invalid arn eu-west-1');
    await rejectsWith(h.kms.send(new DescribeKeyCommand({ KeyId: '' })), 'ValidationException', /at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1/);
  });
});

describe('ListKeys pagination', () => {
  test('walks every key exactly once with Limit/Marker/Truncated/NextMarker', async () => {
    for (let i = 0; i < 7; i++) await h.kms.send(new CreateKeyCommand({}));
    const all = (await h.kms.send(new ListKeysCommand({}))).Keys!.map((k) => k.KeyId);
    assert.ok(all.length >= 7);
    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await h.kms.send(new ListKeysCommand({ Limit: 3, ...(marker ? { Marker: marker } : {}) }));
      assert.ok(page.Keys!.length <= 3);
      for (const k of page.Keys!) {
        assert.equal(k.KeyArn, `arn:aws:kms:us-east-1:${TEST_ACCOUNT}:key/${k.KeyId}`);
        seen.push(k.KeyId!);
      }
      assert.equal(page.Truncated, page.NextMarker !== undefined);
      marker = page.NextMarker;
      pages++;
    } while (marker);
    assert.deepEqual(seen, all);
    assert.equal(pages, Math.ceil(all.length / 3));
  });

  test('bad Limit and Marker are refused', async () => {
    await rejectsWith(h.kms.send(new ListKeysCommand({ Limit: 0 })), 'ValidationException', /at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1/);
    await rejectsWith(h.kms.send(new ListKeysCommand({ Limit: 1001 })), 'ValidationException', /Member must have value less than or equal to 1000/);
    await rejectsWith(h.kms.send(new ListKeysCommand({ Marker: 'bogus' })), 'InvalidMarkerException');
  });
});

describe('enable, disable, description, tags, policy', () => {
  test('DisableKey stops Encrypt with DisabledException; EnableKey restores it', async () => {
    const { KeyMetadata: md } = await h.kms.send(new CreateKeyCommand({}));
    await h.kms.send(new DisableKeyCommand({ KeyId: md!.KeyId }));
    assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId: md!.KeyId }))).KeyMetadata!.KeyState, 'Disabled');
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: md!.KeyId, Plaintext: Buffer.from('x') })), 'DisabledException', `${md!.Arn} is disabled.`);
    await h.kms.send(new EnableKeyCommand({ KeyId: md!.Arn }));
    await h.kms.send(new EncryptCommand({ KeyId: md!.KeyId, Plaintext: Buffer.from('x') }));
  });

  test('UpdateKeyDescription, TagResource (add and replace), UntagResource', async () => {
    const { KeyMetadata: md } = await h.kms.send(new CreateKeyCommand({ Tags: [{ TagKey: 'tag1', TagValue: 'value1' }, { TagKey: 'tag2', TagValue: 'value2' }] }));
    const id = md!.KeyId!;
    await h.kms.send(new UpdateKeyDescriptionCommand({ KeyId: id, Description: 'new words' }));
    assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId: id }))).KeyMetadata!.Description, 'new words');
    await h.kms.send(new TagResourceCommand({ KeyId: id, Tags: [{ TagKey: 'tag2', TagValue: 'updated_value2' }, { TagKey: 'tag3', TagValue: 'value3' }] }));
    assert.deepEqual((await h.kms.send(new ListResourceTagsCommand({ KeyId: id }))).Tags, [
      { TagKey: 'tag1', TagValue: 'value1' },
      { TagKey: 'tag2', TagValue: 'updated_value2' },
      { TagKey: 'tag3', TagValue: 'value3' },
    ]);
    await rejectsWith(h.kms.send(new TagResourceCommand({ KeyId: id, Tags: [{ TagKey: 'aws:x', TagValue: 'v' }] })), 'TagException', 'Tags beginning with aws: are reserved');
    const page = await h.kms.send(new ListResourceTagsCommand({ KeyId: id, Limit: 2 }));
    assert.equal(page.Tags!.length, 2);
    assert.equal(page.Truncated, true);
    const rest = await h.kms.send(new ListResourceTagsCommand({ KeyId: id, Limit: 2, Marker: page.NextMarker }));
    assert.deepEqual(rest.Tags, [{ TagKey: 'tag3', TagValue: 'value3' }]);
    assert.equal(rest.Truncated, false);
    await h.kms.send(new UntagResourceCommand({ KeyId: id, TagKeys: ['tag1', 'tag2', 'tag3'] }));
    assert.deepEqual((await h.kms.send(new ListResourceTagsCommand({ KeyId: id }))).Tags, []);
  });

  test('PutKeyPolicy stores the policy; GetKeyPolicy and ListKeyPolicies return it', async () => {
    const { KeyMetadata: md } = await h.kms.send(new CreateKeyCommand({}));
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Sid: 'Enable Root Account', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
    });
    await h.kms.send(new PutKeyPolicyCommand({ KeyId: md!.KeyId, PolicyName: 'default', Policy: policy }));
    assert.equal((await h.kms.send(new GetKeyPolicyCommand({ KeyId: md!.KeyId, PolicyName: 'default' }))).Policy, policy);
    assert.deepEqual((await h.kms.send(new ListKeyPoliciesCommand({ KeyId: md!.KeyId }))).PolicyNames, ['default']);
    await rejectsWith(h.kms.send(new PutKeyPolicyCommand({ KeyId: md!.KeyId, PolicyName: 'default', Policy: 'nope' })), 'MalformedPolicyDocumentException');
    await rejectsWith(h.kms.send(new PutKeyPolicyCommand({ KeyId: md!.KeyId, PolicyName: 'default', Policy: JSON.stringify({ Statement: [], x: 'y'.repeat(33_000) }) })), 'LimitExceededException');
    assert.equal((await h.kms.send(new GetKeyPolicyCommand({ KeyId: md!.KeyId }))).Policy, policy, 'a refused PutKeyPolicy changes nothing');
  });

  test('management operations take a key id or key ARN, not an alias (as AWS)', async () => {
    await rejectsWith(h.kms.send(new EnableKeyCommand({ KeyId: 'alias/pettracker' })), 'NotFoundException', "Invalid keyId 'alias/pettracker'");
    await rejectsWith(h.kms.send(new GetKeyPolicyCommand({ KeyId: 'alias/pettracker', PolicyName: 'default' })), 'NotFoundException', "Invalid keyId 'alias/pettracker'");
  });
});

describe('ScheduleKeyDeletion / CancelKeyDeletion', () => {
  test('schedules within 7-30 days, blocks use, and cancel brings the key back Disabled', async () => {
    const { KeyMetadata: md } = await h.kms.send(new CreateKeyCommand({}));
    const id = md!.KeyId!;
    await rejectsWith(h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: id, PendingWindowInDays: 6 })), 'ValidationException', 'PendingWindowInDays must be between 7 and 30');
    await rejectsWith(h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: id, PendingWindowInDays: 31 })), 'ValidationException', 'PendingWindowInDays must be between 7 and 30');
    await rejectsWith(h.kms.send(new CancelKeyDeletionCommand({ KeyId: id })), 'KMSInvalidStateException', `${md!.Arn} is not pending deletion.`);
    const t0 = Date.now();
    const s = await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: id, PendingWindowInDays: 7 }));
    assert.equal(s.KeyId, md!.Arn);
    assert.equal(s.KeyState, 'PendingDeletion');
    assert.equal(s.PendingWindowInDays, 7);
    assert.ok(Math.abs(s.DeletionDate!.getTime() - (t0 + 7 * 86_400_000)) < 60_000);
    const d = (await h.kms.send(new DescribeKeyCommand({ KeyId: id }))).KeyMetadata!;
    assert.equal(d.KeyState, 'PendingDeletion');
    assert.equal(d.Enabled, false);
    assert.equal(d.PendingDeletionWindowInDays, 7);
    assert.equal(d.DeletionDate?.getTime(), s.DeletionDate!.getTime());
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: id, Plaintext: Buffer.from('x') })), 'KMSInvalidStateException', `${md!.Arn} is pending deletion.`);
    await rejectsWith(h.kms.send(new EnableKeyCommand({ KeyId: id })), 'KMSInvalidStateException', `${md!.Arn} is pending deletion.`);
    await rejectsWith(h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: id })), 'KMSInvalidStateException', `${md!.Arn} is pending deletion.`);
    await rejectsWith(h.kms.send(new TagResourceCommand({ KeyId: id, Tags: [{ TagKey: 'a', TagValue: 'b' }] })), 'KMSInvalidStateException');
    const c = await h.kms.send(new CancelKeyDeletionCommand({ KeyId: id }));
    assert.equal(c.KeyId, md!.Arn);
    const after = (await h.kms.send(new DescribeKeyCommand({ KeyId: id }))).KeyMetadata!;
    assert.equal(after.KeyState, 'Disabled');
    assert.equal(after.DeletionDate, undefined);
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: id, Plaintext: Buffer.from('x') })), 'DisabledException');
  });

  test('default window is 30 days', async () => {
    const { KeyMetadata: md } = await h.kms.send(new CreateKeyCommand({}));
    const s = await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: md!.KeyId }));
    assert.equal(s.PendingWindowInDays, 30);
  });
});
