/**
 * Regions and multi-Region keys through the real SDK: one Trent, clients signing for
 * us-east-1 and eu-west-1 (the Region of a request is its SigV4 credential scope).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteImportedKeyMaterialCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  GetParametersForImportCommand,
  ImportKeyMaterialCommand,
  type ImportKeyMaterialCommandInput,
  KMSClient,
  ListAliasesCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  ReplicateKeyCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  UpdateKeyDescriptionCommand,
  UpdatePrimaryRegionCommand,
} from '@aws-sdk/client-kms';
import { rejectsWith } from '../support/assert-aws.ts';
import { wrapForImport } from '../support/byok.ts';
import { rawRequest, signedKmsRequest, stsRequest } from '../support/signed-request.ts';
import { startTrent, tempDir, TEST_ACCESS_KEY_ID, TEST_ACCOUNT, TEST_SECRET, type Harness } from '../support/trent.ts';

const EAST = 'us-east-1';
const WEST = 'eu-west-1';
const DAY_S = 86_400;
const ROOT_CREDS = { accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET };

let h: Harness;
let east: KMSClient;
let west: KMSClient;
before(async () => {
  h = await startTrent({ config: { clockControl: true } });
  east = h.client(undefined, EAST);
  west = h.client(undefined, WEST);
});
after(async () => {
  east.destroy();
  west.destroy();
  await h.stop();
});

const arnIn = (region: string, keyId: string) => `arn:aws:kms:${region}:${TEST_ACCOUNT}:key/${keyId}`;
const text = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString();

async function moveClock(advanceSeconds: number): Promise<{ now: string; deleted: string[] }> {
  const r = await rawRequest(h.trent.url, h.trent.caPath, { path: '/_trent/clock', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceSeconds }) });
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body) as { now: string; deleted: string[] };
}

async function allKeyIds(c: KMSClient): Promise<string[]> {
  return ((await c.send(new ListKeysCommand({ Limit: 1000 }))).Keys ?? []).map((k) => k.KeyId!);
}

/** A multi-Region primary in us-east-1 with a replica in eu-west-1. */
async function mrkPair(description = 'primary') {
  const primary = (await east.send(new CreateKeyCommand({ MultiRegion: true, Description: description }))).KeyMetadata!;
  await east.send(new ReplicateKeyCommand({ KeyId: primary.KeyId, ReplicaRegion: WEST }));
  return primary;
}

describe('Regions', () => {
  test('keys, ARNs and ListKeys are per Region: a key made through eu-west-1 is NotFound from us-east-1', async () => {
    const k = (await west.send(new CreateKeyCommand({ Description: 'west only' }))).KeyMetadata!;
    assert.equal(k.Arn, arnIn(WEST, k.KeyId!));
    assert.equal(k.MultiRegion, false);
    assert.equal(k.MultiRegionConfiguration, undefined);
    assert.equal((await west.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata!.Arn, arnIn(WEST, k.KeyId!));
    await rejectsWith(east.send(new DescribeKeyCommand({ KeyId: k.KeyId })), 'NotFoundException', `Key '${arnIn(EAST, k.KeyId!)}' does not exist`);
    await rejectsWith(east.send(new DescribeKeyCommand({ KeyId: k.Arn })), 'NotFoundException', `Invalid arn ${WEST}`);
    assert.ok((await allKeyIds(west)).includes(k.KeyId!));
    assert.ok(!(await allKeyIds(east)).includes(k.KeyId!));
    // A ciphertext names its key; another Region has no such key.
    const sealed = await west.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from('west') }));
    await rejectsWith(east.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob })), 'InvalidCiphertextException');
    assert.equal(text((await west.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }))).Plaintext), 'west');
  });

  test('aliases are per Region: one name points at a different key in each Region', async () => {
    const a = (await east.send(new CreateKeyCommand({}))).KeyMetadata!;
    const b = (await west.send(new CreateKeyCommand({}))).KeyMetadata!;
    await east.send(new CreateAliasCommand({ AliasName: 'alias/per-region', TargetKeyId: a.KeyId }));
    await west.send(new CreateAliasCommand({ AliasName: 'alias/per-region', TargetKeyId: b.KeyId }));
    assert.equal((await east.send(new DescribeKeyCommand({ KeyId: 'alias/per-region' }))).KeyMetadata!.KeyId, a.KeyId);
    assert.equal((await west.send(new DescribeKeyCommand({ KeyId: 'alias/per-region' }))).KeyMetadata!.KeyId, b.KeyId);
    const listed = (await west.send(new ListAliasesCommand({}))).Aliases!.find((x) => x.AliasName === 'alias/per-region')!;
    assert.equal(listed.AliasArn, `arn:aws:kms:${WEST}:${TEST_ACCOUNT}:alias/per-region`);
    // An alias cannot name a key of another Region.
    await rejectsWith(east.send(new CreateAliasCommand({ AliasName: 'alias/cross', TargetKeyId: b.KeyId })), 'NotFoundException');
  });

  test('a Region Trent does not serve keeps the SigV4 error, and changes nothing', async () => {
    const nowhere = h.client(undefined, 'xx-nowhere-1');
    try {
      const before = await allKeyIds(east);
      await rejectsWith(nowhere.send(new CreateKeyCommand({})), 'InvalidSignatureException', 'Credential should be scoped to a valid region. ');
      assert.deepEqual(await allKeyIds(east), before);
    } finally {
      nowhere.destroy();
    }
  });

  test('the audit record names the Region the request was signed for, and the key ARN there', async () => {
    const r = await signedKmsRequest(h.trent.url, h.trent.caPath, 'CreateKey', JSON.stringify({ Description: 'audited in the west' }), { region: WEST });
    assert.equal(r.status, 200, r.body);
    const keyId = (JSON.parse(r.body) as { KeyMetadata: { KeyId: string } }).KeyMetadata.KeyId;
    const requestId = String(r.headers['x-amzn-requestid']);
    // The record is durable before the answer leaves, so it is on disk now.
    const dir = join(h.dataDir, 'audit');
    const records = readdirSync(dir)
      .filter((f) => f.endsWith('.jsonl'))
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean))
      .map((l) => JSON.parse(l) as { kind: string; record?: { requestID: string; awsRegion: string; resources?: { ARN: string }[] } })
      .filter((e) => e.kind === 'event' && e.record?.requestID === requestId)
      .map((e) => e.record!);
    assert.equal(records.length, 1);
    assert.equal(records[0]!.awsRegion, WEST);
    assert.deepEqual(records[0]!.resources?.map((x) => x.ARN), [arnIn(WEST, keyId)]);
  });

  test('GET /metrics counts the keys of every Region this node served (trent_keys)', async () => {
    let enabled = 0;
    for (const c of [east, west]) {
      for (const id of await allKeyIds(c)) if ((await c.send(new DescribeKeyCommand({ KeyId: id }))).KeyMetadata!.KeyState === 'Enabled') enabled++;
    }
    assert.ok((await allKeyIds(west)).length > 0, 'the tests above made keys in eu-west-1');
    const r = await rawRequest(h.trent.url, h.trent.caPath, { method: 'GET', path: '/metrics', headers: {}, body: '' });
    assert.equal(r.status, 200);
    assert.equal(/trent_keys\{state="Enabled"\} (\d+)/.exec(r.body)?.[1], String(enabled));
  });

  test('STS answers for any served Region', async () => {
    const who = await stsRequest(h.trent.url, h.trent.caPath, { Action: 'GetCallerIdentity' }, ROOT_CREDS, WEST);
    assert.equal(who.status, 200, who.body);
    assert.match(who.body, new RegExp(`<Account>${TEST_ACCOUNT}</Account>`));
    const refused = await stsRequest(h.trent.url, h.trent.caPath, { Action: 'GetCallerIdentity' }, ROOT_CREDS, 'xx-nowhere-1');
    assert.equal(refused.status, 403, refused.body);
  });
});

describe('multi-Region keys', () => {
  test('CreateKey MultiRegion=true: an mrk- id and a PRIMARY MultiRegionConfiguration with no replicas', async () => {
    const k = (await east.send(new CreateKeyCommand({ MultiRegion: true, Description: 'test multi region key' }))).KeyMetadata!;
    assert.match(k.KeyId!, /^mrk-[0-9a-f]{32}$/);
    assert.equal(k.Arn, arnIn(EAST, k.KeyId!));
    assert.equal(k.MultiRegion, true);
    assert.deepEqual(k.MultiRegionConfiguration, { MultiRegionKeyType: 'PRIMARY', PrimaryKey: { Arn: k.Arn, Region: EAST }, ReplicaKeys: [] });
    assert.equal(k.KeyState, 'Enabled');
  });

  test('ReplicateKey: same key id in eu-west-1 with its own policy, tags and description; both sides describe the pair', async () => {
    const p = (await east.send(new CreateKeyCommand({ MultiRegion: true, Description: 'shared?', Tags: [{ TagKey: 'side', TagValue: 'primary' }] }))).KeyMetadata!;
    const r = await east.send(new ReplicateKeyCommand({ KeyId: p.Arn, ReplicaRegion: WEST, Description: 'the replica', Tags: [{ TagKey: 'side', TagValue: 'replica' }] }));
    const replicaArn = arnIn(WEST, p.KeyId!);
    const md = r.ReplicaKeyMetadata!;
    assert.equal(md.KeyId, p.KeyId);
    assert.equal(md.Arn, replicaArn);
    assert.equal(md.KeyState, 'Creating');
    assert.equal(md.Enabled, false);
    assert.equal(md.Description, 'the replica');
    assert.equal(md.CurrentKeyMaterialId, undefined);
    assert.deepEqual(md.MultiRegionConfiguration, { MultiRegionKeyType: 'REPLICA', PrimaryKey: { Arn: p.Arn, Region: EAST }, ReplicaKeys: [{ Arn: replicaArn, Region: WEST }] });
    assert.deepEqual(JSON.parse(r.ReplicaPolicy!).Statement[0].Principal, { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` });
    assert.deepEqual(r.ReplicaTags, [{ TagKey: 'side', TagValue: 'replica' }]);

    const w = (await west.send(new DescribeKeyCommand({ KeyId: p.KeyId }))).KeyMetadata!;
    assert.equal(w.KeyState, 'Enabled');
    assert.equal(w.Description, 'the replica');
    assert.equal(w.CurrentKeyMaterialId, p.CurrentKeyMaterialId, 'the same key material');
    assert.equal(w.MultiRegionConfiguration!.MultiRegionKeyType, 'REPLICA');
    const e = (await east.send(new DescribeKeyCommand({ KeyId: p.KeyId }))).KeyMetadata!;
    assert.equal(e.Description, 'shared?', 'the description is not shared');
    assert.deepEqual(e.MultiRegionConfiguration, { MultiRegionKeyType: 'PRIMARY', PrimaryKey: { Arn: p.Arn, Region: EAST }, ReplicaKeys: [{ Arn: replicaArn, Region: WEST }] });
    assert.deepEqual((await west.send(new ListResourceTagsCommand({ KeyId: p.KeyId }))).Tags, [{ TagKey: 'side', TagValue: 'replica' }]);
    assert.deepEqual((await east.send(new ListResourceTagsCommand({ KeyId: p.KeyId }))).Tags, [{ TagKey: 'side', TagValue: 'primary' }]);
    assert.equal((await west.send(new GetKeyPolicyCommand({ KeyId: p.KeyId }))).Policy, r.ReplicaPolicy);
    assert.ok((await allKeyIds(west)).includes(p.KeyId!));
    // Changing the replica leaves the primary alone.
    await west.send(new UpdateKeyDescriptionCommand({ KeyId: p.KeyId, Description: 'renamed in the west' }));
    assert.equal((await east.send(new DescribeKeyCommand({ KeyId: p.KeyId }))).KeyMetadata!.Description, 'shared?');
  });

  test('a ciphertext from either Region decrypts in the other; each Region has its own key state', async () => {
    const p = await mrkPair();
    const ctx = { purpose: 'backup' };
    const fromEast = await east.send(new EncryptCommand({ KeyId: p.KeyId, Plaintext: Buffer.from('made in us-east-1'), EncryptionContext: ctx }));
    const inWest = await west.send(new DecryptCommand({ CiphertextBlob: fromEast.CiphertextBlob, EncryptionContext: ctx }));
    assert.equal(text(inWest.Plaintext), 'made in us-east-1');
    assert.equal(inWest.KeyId, arnIn(WEST, p.KeyId!), 'decrypted by the replica, named by its own ARN');
    assert.equal(text((await west.send(new DecryptCommand({ CiphertextBlob: fromEast.CiphertextBlob, EncryptionContext: ctx, KeyId: arnIn(WEST, p.KeyId!) }))).Plaintext), 'made in us-east-1');
    await rejectsWith(west.send(new DecryptCommand({ CiphertextBlob: fromEast.CiphertextBlob })), 'InvalidCiphertextException');
    const fromWest = await west.send(new EncryptCommand({ KeyId: p.KeyId, Plaintext: Buffer.from('made in eu-west-1') }));
    assert.equal(text((await east.send(new DecryptCommand({ CiphertextBlob: fromWest.CiphertextBlob }))).Plaintext), 'made in eu-west-1');

    await west.send(new DisableKeyCommand({ KeyId: p.KeyId }));
    await rejectsWith(west.send(new DecryptCommand({ CiphertextBlob: fromEast.CiphertextBlob, EncryptionContext: ctx })), 'DisabledException', `${arnIn(WEST, p.KeyId!)} is disabled.`);
    assert.equal(text((await east.send(new DecryptCommand({ CiphertextBlob: fromEast.CiphertextBlob, EncryptionContext: ctx }))).Plaintext), 'made in us-east-1', 'the primary is still enabled');
    assert.equal((await east.send(new DescribeKeyCommand({ KeyId: p.KeyId }))).KeyMetadata!.KeyState, 'Enabled');
  });

  test('ReplicateKey errors: AWS\'s exception, and nothing created', async () => {
    const p = await mrkPair();
    const single = (await east.send(new CreateKeyCommand({}))).KeyMetadata!;
    const ap = h.client(undefined, 'ap-southeast-2');
    const westBefore = await allKeyIds(west);
    const apBefore = await allKeyIds(ap);
    await rejectsWith(east.send(new ReplicateKeyCommand({ KeyId: p.KeyId, ReplicaRegion: WEST })), 'AlreadyExistsException');
    await rejectsWith(east.send(new ReplicateKeyCommand({ KeyId: p.KeyId, ReplicaRegion: EAST })), 'AlreadyExistsException');
    // Recorded against AWS: "<mrk-key-arn> is not a multi-region primary key."
    await rejectsWith(west.send(new ReplicateKeyCommand({ KeyId: p.KeyId, ReplicaRegion: 'ap-southeast-2' })), 'UnsupportedOperationException', `${arnIn(WEST, p.KeyId!)} is not a multi-region primary key.`);
    await rejectsWith(east.send(new ReplicateKeyCommand({ KeyId: single.KeyId, ReplicaRegion: 'ap-southeast-2' })), 'UnsupportedOperationException', `${single.Arn} is not a multi-region primary key.`);
    await rejectsWith(east.send(new ReplicateKeyCommand({ KeyId: p.KeyId, ReplicaRegion: 'xx-nowhere-1' })), 'ValidationException');
    await rejectsWith(east.send(new ReplicateKeyCommand({ KeyId: p.KeyId, ReplicaRegion: 'EU_WEST_1' })), 'ValidationException');
    await rejectsWith(west.send(new ReplicateKeyCommand({ KeyId: single.KeyId, ReplicaRegion: 'ap-southeast-2' })), 'NotFoundException', `Key '${arnIn(WEST, single.KeyId!)}' does not exist`);
    assert.deepEqual(await allKeyIds(west), westBefore);
    assert.deepEqual(await allKeyIds(ap), apBefore);
    ap.destroy();
  });

  test('rotation is the primary\'s and shared: the replica follows, refuses to rotate itself, and old ciphertexts still decrypt', async () => {
    const p = await mrkPair();
    const old = await east.send(new EncryptCommand({ KeyId: p.KeyId, Plaintext: Buffer.from('before rotation') }));
    await rejectsWith(west.send(new EnableKeyRotationCommand({ KeyId: p.KeyId })), 'UnsupportedOperationException', `${arnIn(WEST, p.KeyId!)} is not a multi-region primary key.`);
    await rejectsWith(west.send(new RotateKeyOnDemandCommand({ KeyId: p.KeyId })), 'UnsupportedOperationException', `${arnIn(WEST, p.KeyId!)} is not a multi-region primary key.`);
    await east.send(new EnableKeyRotationCommand({ KeyId: p.KeyId, RotationPeriodInDays: 90 }));
    const st = await west.send(new GetKeyRotationStatusCommand({ KeyId: p.KeyId }));
    assert.equal(st.KeyRotationEnabled, true);
    assert.equal(st.RotationPeriodInDays, 90);

    await east.send(new RotateKeyOnDemandCommand({ KeyId: p.KeyId }));
    const eastNow = (await east.send(new DescribeKeyCommand({ KeyId: p.KeyId }))).KeyMetadata!.CurrentKeyMaterialId;
    assert.notEqual(eastNow, p.CurrentKeyMaterialId);
    assert.equal((await west.send(new DescribeKeyCommand({ KeyId: p.KeyId }))).KeyMetadata!.CurrentKeyMaterialId, eastNow, 'the replica uses the new material too');
    const rotations = (await west.send(new ListKeyRotationsCommand({ KeyId: p.KeyId }))).Rotations!;
    assert.deepEqual(rotations.map((r) => r.RotationType), ['ON_DEMAND']);
    const fresh = await west.send(new EncryptCommand({ KeyId: p.KeyId, Plaintext: Buffer.from('after rotation') }));
    assert.equal((await east.send(new DecryptCommand({ CiphertextBlob: fresh.CiphertextBlob }))).KeyMaterialId, eastNow);
    assert.equal(text((await west.send(new DecryptCommand({ CiphertextBlob: old.CiphertextBlob }))).Plaintext), 'before rotation');
  });

  test('UpdatePrimaryRegion swaps the roles; the new primary manages replication and rotation', async () => {
    const p = await mrkPair();
    await rejectsWith(east.send(new UpdatePrimaryRegionCommand({ KeyId: p.KeyId, PrimaryRegion: 'ap-south-1' })), 'NotFoundException', `Key '${arnIn('ap-south-1', p.KeyId!)}' does not exist`);
    await rejectsWith(west.send(new UpdatePrimaryRegionCommand({ KeyId: p.KeyId, PrimaryRegion: EAST })), 'UnsupportedOperationException', `${arnIn(WEST, p.KeyId!)} is not a multi-region primary key.`);
    await east.send(new UpdatePrimaryRegionCommand({ KeyId: p.KeyId, PrimaryRegion: WEST }));
    const primary = { Arn: arnIn(WEST, p.KeyId!), Region: WEST };
    const replicas = [{ Arn: arnIn(EAST, p.KeyId!), Region: EAST }];
    assert.deepEqual((await west.send(new DescribeKeyCommand({ KeyId: p.KeyId }))).KeyMetadata!.MultiRegionConfiguration, { MultiRegionKeyType: 'PRIMARY', PrimaryKey: primary, ReplicaKeys: replicas });
    assert.deepEqual((await east.send(new DescribeKeyCommand({ KeyId: p.KeyId }))).KeyMetadata!.MultiRegionConfiguration, { MultiRegionKeyType: 'REPLICA', PrimaryKey: primary, ReplicaKeys: replicas });
    await rejectsWith(east.send(new EnableKeyRotationCommand({ KeyId: p.KeyId })), 'UnsupportedOperationException');
    await west.send(new EnableKeyRotationCommand({ KeyId: p.KeyId }));
    const r = await west.send(new ReplicateKeyCommand({ KeyId: p.KeyId, ReplicaRegion: 'ap-southeast-2' }));
    assert.deepEqual(r.ReplicaKeyMetadata!.MultiRegionConfiguration!.PrimaryKey, primary);
  });

  test('deleting a primary waits for its replicas (PendingReplicaDeletion), then runs its own waiting period', async () => {
    const p = await mrkPair();
    const sealed = await east.send(new EncryptCommand({ KeyId: p.KeyId, Plaintext: Buffer.from('kept by the replica') }));
    const s = await east.send(new ScheduleKeyDeletionCommand({ KeyId: p.KeyId, PendingWindowInDays: 7 }));
    assert.equal(s.KeyState, 'PendingReplicaDeletion');
    assert.equal(s.DeletionDate, undefined, 'no deletion date while replicas remain');
    assert.equal(s.PendingWindowInDays, 7);
    const md = (await east.send(new DescribeKeyCommand({ KeyId: p.KeyId }))).KeyMetadata!;
    assert.equal(md.KeyState, 'PendingReplicaDeletion');
    assert.equal(md.Enabled, false);
    await rejectsWith(east.send(new EncryptCommand({ KeyId: p.KeyId, Plaintext: Buffer.from('x') })), 'KMSInvalidStateException', `${p.Arn} is pending replica deletion.`);
    await rejectsWith(east.send(new ScheduleKeyDeletionCommand({ KeyId: p.KeyId, PendingWindowInDays: 7 })), 'KMSInvalidStateException', `${p.Arn} is pending replica deletion.`);
    await rejectsWith(east.send(new ReplicateKeyCommand({ KeyId: p.KeyId, ReplicaRegion: 'ap-southeast-2' })), 'KMSInvalidStateException', `${p.Arn} is pending replica deletion.`);
    assert.equal(text((await west.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }))).Plaintext), 'kept by the replica');

    // CancelKeyDeletion works in PendingReplicaDeletion (the key becomes Disabled); schedule again.
    assert.equal((await east.send(new CancelKeyDeletionCommand({ KeyId: p.KeyId }))).KeyId, p.Arn);
    assert.equal((await east.send(new DescribeKeyCommand({ KeyId: p.KeyId }))).KeyMetadata!.KeyState, 'Disabled');
    await east.send(new ScheduleKeyDeletionCommand({ KeyId: p.KeyId, PendingWindowInDays: 7 }));

    await west.send(new ScheduleKeyDeletionCommand({ KeyId: p.KeyId, PendingWindowInDays: 7 }));
    const first = await moveClock(7 * DAY_S + 60);
    assert.ok(first.deleted.includes(p.KeyId!), 'the replica is deleted after its window');
    await rejectsWith(west.send(new DescribeKeyCommand({ KeyId: p.KeyId })), 'NotFoundException');
    await rejectsWith(west.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob })), 'NotFoundException', `Key '${arnIn(WEST, p.KeyId!)}' does not exist`);
    const waiting = (await east.send(new DescribeKeyCommand({ KeyId: p.KeyId }))).KeyMetadata!;
    assert.equal(waiting.KeyState, 'PendingDeletion', 'the last replica gone, the primary\'s own window starts');
    assert.deepEqual(waiting.MultiRegionConfiguration!.ReplicaKeys, []);
    const drift = waiting.DeletionDate!.getTime() - (Date.parse(first.now) + 7 * DAY_S * 1000);
    assert.ok(Math.abs(drift) < 60_000, `the primary's window starts when its last replica is deleted (off by ${drift} ms)`);

    const second = await moveClock(7 * DAY_S + 60);
    assert.ok(second.deleted.includes(p.KeyId!));
    await rejectsWith(east.send(new DescribeKeyCommand({ KeyId: p.KeyId })), 'NotFoundException');
    await rejectsWith(east.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob })), 'NotFoundException', `Key '${p.Arn}' does not exist`);
  });
});

describe('ReplicateKey permissions: kms:ReplicateKey on the primary, kms:CreateKey (and kms:TagResource for Tags) in the replica Region', () => {
  const REPLICATOR = { accessKeyId: 'AKIAREPLICATOR000001', secretAccessKey: 'replicator-secret-0000000000000000000000' };
  const NO_CREATE = { accessKeyId: 'AKIANOCREATE00000001', secretAccessKey: 'no-create-secret-00000000000000000000000' };
  const allow = (actions: string[]) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] });
  let g: Harness;
  let dir: string;
  before(async () => {
    dir = tempDir();
    const identities = join(dir, 'identities.json');
    writeFileSync(
      identities,
      JSON.stringify({
        accounts: {
          [TEST_ACCOUNT]: {
            principals: [
              { arn: `arn:aws:iam::${TEST_ACCOUNT}:user/replicator`, accessKeys: [{ id: REPLICATOR.accessKeyId, secret: REPLICATOR.secretAccessKey }], policies: [allow(['kms:ReplicateKey', 'kms:CreateKey', 'kms:DescribeKey'])] },
              { arn: `arn:aws:iam::${TEST_ACCOUNT}:user/no-create`, accessKeys: [{ id: NO_CREATE.accessKeyId, secret: NO_CREATE.secretAccessKey }], policies: [allow(['kms:ReplicateKey', 'kms:DescribeKey'])] },
            ],
          },
        },
      }),
    );
    g = await startTrent({ config: { identitiesFile: identities } });
  });
  after(async () => {
    await g.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a caller without kms:CreateKey, or without kms:TagResource when tagging, is denied and no replica appears', async () => {
    const rootEast = g.client(undefined, EAST);
    const rootWest = g.client(undefined, WEST);
    const primary = (await rootEast.send(new CreateKeyCommand({ MultiRegion: true }))).KeyMetadata!;
    const noCreate = g.client(NO_CREATE, EAST);
    const replicator = g.client(REPLICATOR, EAST);
    try {
      await rejectsWith(noCreate.send(new ReplicateKeyCommand({ KeyId: primary.KeyId, ReplicaRegion: WEST })), 'AccessDeniedException', `User: arn:aws:iam::${TEST_ACCOUNT}:user/no-create is not authorized to perform: kms:CreateKey on resource: * because no identity-based policy allows the kms:CreateKey action`);
      await rejectsWith(replicator.send(new ReplicateKeyCommand({ KeyId: primary.KeyId, ReplicaRegion: WEST, Tags: [{ TagKey: 'team', TagValue: 'pets' }] })), 'AccessDeniedException', `User: arn:aws:iam::${TEST_ACCOUNT}:user/replicator is not authorized to perform: kms:TagResource on resource: * because no identity-based policy allows the kms:TagResource action`);
      await rejectsWith(rootWest.send(new DescribeKeyCommand({ KeyId: primary.KeyId })), 'NotFoundException');
      const r = await replicator.send(new ReplicateKeyCommand({ KeyId: primary.KeyId, ReplicaRegion: WEST }));
      assert.equal(r.ReplicaKeyMetadata!.Arn, arnIn(WEST, primary.KeyId!));
    } finally {
      for (const c of [rootEast, rootWest, noCreate, replicator]) c.destroy();
    }
  });
});

describe('multi-Region keys with imported key material', () => {
  /** Wraps `material` for the key in the client's Region and imports it there. */
  async function importInto(c: KMSClient, keyId: string, material: Uint8Array, over: Partial<ImportKeyMaterialCommandInput> = {}) {
    const p = await c.send(new GetParametersForImportCommand({ KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }));
    return c.send(new ImportKeyMaterialCommand({
      KeyId: keyId,
      ImportToken: p.ImportToken,
      EncryptedKeyMaterial: wrapForImport(p.PublicKey!, 'RSAES_OAEP_SHA_256', material),
      ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      ...over,
    }));
  }
  const describeIn = async (c: KMSClient, keyId: string) => (await c.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!;

  test('the replica starts PendingImport; only the same material is accepted there; then either Region decrypts the other\'s ciphertext', async () => {
    const material = randomBytes(32);
    const p = (await east.send(new CreateKeyCommand({ MultiRegion: true, Origin: 'EXTERNAL' }))).KeyMetadata!;
    assert.match(p.KeyId!, /^mrk-[0-9a-f]{32}$/);
    assert.equal(p.KeyState, 'PendingImport');
    // A primary without material cannot be replicated ("is pending import.", the key-state table).
    await rejectsWith(east.send(new ReplicateKeyCommand({ KeyId: p.KeyId, ReplicaRegion: WEST })), 'KMSInvalidStateException', `${p.Arn} is pending import.`);
    await importInto(east, p.KeyId!, material);
    assert.equal((await describeIn(east, p.KeyId!)).KeyState, 'Enabled');

    const r = await east.send(new ReplicateKeyCommand({ KeyId: p.KeyId, ReplicaRegion: WEST }));
    assert.equal(r.ReplicaKeyMetadata!.Origin, 'EXTERNAL');
    const replica = await describeIn(west, p.KeyId!);
    assert.equal(replica.KeyState, 'PendingImport', 'AWS does not copy imported material to replicas');
    assert.equal(replica.MultiRegionConfiguration!.MultiRegionKeyType, 'REPLICA');
    const fromEast = await east.send(new EncryptCommand({ KeyId: p.KeyId, Plaintext: Buffer.from('from east') }));
    await rejectsWith(west.send(new DecryptCommand({ CiphertextBlob: fromEast.CiphertextBlob })), 'KMSInvalidStateException', `${replica.Arn} is pending import.`);

    // Other material, or new material, is refused in the replica, which stays PendingImport.
    await rejectsWith(importInto(west, p.KeyId!, randomBytes(32)), 'IncorrectKeyMaterialException');
    await rejectsWith(importInto(west, p.KeyId!, material, { ImportType: 'NEW_KEY_MATERIAL' }), 'UnsupportedOperationException');
    assert.equal((await describeIn(west, p.KeyId!)).KeyState, 'PendingImport');

    // The same material, with the replica's own expiration model.
    const validTo = new Date(replica.CreationDate!.getTime() + DAY_S * 1000);
    await importInto(west, p.KeyId!, material, { ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: validTo });
    const westNow = await describeIn(west, p.KeyId!);
    assert.equal(westNow.KeyState, 'Enabled');
    assert.equal(westNow.ExpirationModel, 'KEY_MATERIAL_EXPIRES');
    assert.equal(westNow.ValidTo?.getTime(), validTo.getTime());
    const eastNow = await describeIn(east, p.KeyId!);
    assert.equal(eastNow.ExpirationModel, 'KEY_MATERIAL_DOES_NOT_EXPIRE');
    assert.equal(eastNow.ValidTo, undefined);
    assert.equal(westNow.CurrentKeyMaterialId, eastNow.CurrentKeyMaterialId);

    assert.equal(text((await west.send(new DecryptCommand({ CiphertextBlob: fromEast.CiphertextBlob }))).Plaintext), 'from east');
    const fromWest = await west.send(new EncryptCommand({ KeyId: p.KeyId, Plaintext: Buffer.from('from west') }));
    assert.equal(text((await east.send(new DecryptCommand({ CiphertextBlob: fromWest.CiphertextBlob }))).Plaintext), 'from west');
    // A second material is not supported for multi-Region keys (AWS: import into the primary, then each replica, then rotate).
    await rejectsWith(importInto(east, p.KeyId!, randomBytes(32), { ImportType: 'NEW_KEY_MATERIAL' }), 'UnsupportedOperationException');
  });

  test('each Region\'s material is its own: deleting it in one Region, or its expiry, leaves the other Region working', async () => {
    const material = randomBytes(32);
    const p = (await east.send(new CreateKeyCommand({ MultiRegion: true, Origin: 'EXTERNAL' }))).KeyMetadata!;
    await importInto(east, p.KeyId!, material);
    await east.send(new ReplicateKeyCommand({ KeyId: p.KeyId, ReplicaRegion: WEST }));
    const created = (await describeIn(west, p.KeyId!)).CreationDate!;
    await importInto(west, p.KeyId!, material, { ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: new Date(created.getTime() + DAY_S * 1000) });
    const blob = (await east.send(new EncryptCommand({ KeyId: p.KeyId, Plaintext: Buffer.from('kept') }))).CiphertextBlob;

    await east.send(new DeleteImportedKeyMaterialCommand({ KeyId: p.KeyId }));
    assert.equal((await describeIn(east, p.KeyId!)).KeyState, 'PendingImport');
    await rejectsWith(east.send(new DecryptCommand({ CiphertextBlob: blob })), 'KMSInvalidStateException', `${p.Arn} is pending import.`);
    assert.equal((await describeIn(west, p.KeyId!)).KeyState, 'Enabled');
    assert.equal(text((await west.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext), 'kept');

    // The replica's material expires on its own date; the primary, re-imported, is unaffected.
    await importInto(east, p.KeyId!, material);
    await moveClock(2 * DAY_S);
    assert.equal((await describeIn(west, p.KeyId!)).KeyState, 'PendingImport');
    assert.equal((await describeIn(east, p.KeyId!)).KeyState, 'Enabled');
    assert.equal(text((await east.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext), 'kept');
    await rejectsWith(west.send(new DecryptCommand({ CiphertextBlob: blob })), 'KMSInvalidStateException', `${arnIn(WEST, p.KeyId!)} is pending import.`);
  });
});
