/** CreateAlias, UpdateAlias, DeleteAlias, ListAliases through the SDK. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  ListAliasesCommand,
  ScheduleKeyDeletionCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import { rejectsWith } from '../support/assert-aws.ts';
import { startTrent, TEST_ACCOUNT, type Harness } from '../support/trent.ts';

let h: Harness;
let k1: string;
let k2: string;
before(async () => {
  h = await startTrent();
  k1 = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  k2 = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
});
after(async () => {
  await h.stop();
});

describe('aliases', () => {
  test('create, resolve, list, update, delete', async () => {
    await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/pettracker', TargetKeyId: k1 }));
    assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId: 'alias/pettracker' }))).KeyMetadata!.KeyId, k1);
    const listed = (await h.kms.send(new ListAliasesCommand({}))).Aliases!.find((a) => a.AliasName === 'alias/pettracker');
    assert.ok(listed);
    assert.equal(listed.AliasArn, `arn:aws:kms:us-east-1:${TEST_ACCOUNT}:alias/pettracker`);
    assert.equal(listed.TargetKeyId, k1);
    assert.ok(listed.CreationDate instanceof Date);
    assert.ok(listed.LastUpdatedDate instanceof Date);
    await h.kms.send(new UpdateAliasCommand({ AliasName: 'alias/pettracker', TargetKeyId: k2 }));
    assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId: 'alias/pettracker' }))).KeyMetadata!.KeyId, k2);
    const forK2 = await h.kms.send(new ListAliasesCommand({ KeyId: k2 }));
    assert.deepEqual(forK2.Aliases!.map((a) => a.AliasName), ['alias/pettracker']);
    assert.deepEqual((await h.kms.send(new ListAliasesCommand({ KeyId: k1 }))).Aliases, []);
    await h.kms.send(new DeleteAliasCommand({ AliasName: 'alias/pettracker' }));
    await rejectsWith(h.kms.send(new DescribeKeyCommand({ KeyId: 'alias/pettracker' })), 'NotFoundException');
    await rejectsWith(h.kms.send(new DeleteAliasCommand({ AliasName: 'alias/pettracker' })), 'NotFoundException', `Alias arn:aws:kms:us-east-1:${TEST_ACCOUNT}:alias/pettracker is not found.`);
  });

  test('names are unique; rules as AWS', async () => {
    await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/unique', TargetKeyId: k1 }));
    await rejectsWith(h.kms.send(new CreateAliasCommand({ AliasName: 'alias/unique', TargetKeyId: k2 })), 'AlreadyExistsException', `An alias with the name arn:aws:kms:us-east-1:${TEST_ACCOUNT}:alias/unique already exists`);
    await rejectsWith(h.kms.send(new CreateAliasCommand({ AliasName: 'pettracker', TargetKeyId: k1 })), 'ValidationException', 'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html');
    await rejectsWith(h.kms.send(new CreateAliasCommand({ AliasName: 'alias/aws/s3', TargetKeyId: k1 })), 'InvalidAliasNameException');
    await rejectsWith(h.kms.send(new CreateAliasCommand({ AliasName: 'alias/bad name!', TargetKeyId: k1 })), 'ValidationException', /Member must satisfy regular expression pattern/);
    await rejectsWith(h.kms.send(new CreateAliasCommand({ AliasName: `alias/${'a'.repeat(251)}`, TargetKeyId: k1 })), 'ValidationException', /Member must have length less than or equal to 256/);
    await rejectsWith(h.kms.send(new CreateAliasCommand({ AliasName: 'alias/x1', TargetKeyId: 'alias/unique' })), 'NotFoundException', "Invalid keyId 'alias/unique'");
    await rejectsWith(h.kms.send(new UpdateAliasCommand({ AliasName: 'alias/missing', TargetKeyId: k1 })), 'NotFoundException');
    assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId: 'alias/unique' }))).KeyMetadata!.KeyId, k1, 'refusals change nothing');
  });

  test('a key pending deletion cannot get a new alias', async () => {
    const k = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId, PendingWindowInDays: 7 }));
    await rejectsWith(h.kms.send(new CreateAliasCommand({ AliasName: 'alias/doomed', TargetKeyId: k.KeyId })), 'KMSInvalidStateException', `${k.Arn} is pending deletion.`);
  });

  test('ListAliases paginates', async () => {
    for (let i = 0; i < 5; i++) await h.kms.send(new CreateAliasCommand({ AliasName: `alias/page-${i}`, TargetKeyId: k2 }));
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const p = await h.kms.send(new ListAliasesCommand({ KeyId: k2, Limit: 2, ...(marker ? { Marker: marker } : {}) }));
      names.push(...p.Aliases!.map((a) => a.AliasName!));
      marker = p.NextMarker;
      assert.equal(p.Truncated, marker !== undefined);
    } while (marker);
    assert.deepEqual(names, ['alias/page-0', 'alias/page-1', 'alias/page-2', 'alias/page-3', 'alias/page-4']);
  });
});
