/**
 * Who may do what, through the SDK with real signed credentials of each principal: the seed's
 * key policy (root, role/KMSAdmin, role/PetTracker-Lambda), its cross-account policy, grants,
 * the lockout safety check, and STS.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetKeyPolicyCommand,
  ListGrantsCommand,
  ListRetirableGrantsCommand,
  PutKeyPolicyCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  ScheduleKeyDeletionCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { rejectsWith } from '../support/assert-aws.ts';
import { ACCT, OTHER, ALICE, BOB, CAROL } from '../support/people.ts';
import { assumeRole, stsRequest } from '../support/signed-request.ts';
import { run } from '../support/run.ts';
import { ROOT, startTrent, tempDir, TEST_ACCESS_KEY_ID, TEST_SECRET, type Harness } from '../support/trent.ts';

const DAVE = { accessKeyId: 'AKIADAVE000000000001', secretAccessKey: 'dave-secret-0000000000000000000000000000' };
/** The ABAC example of "Use aliases to control access to KMS keys": every alias, and at least one, matches. */
const DAVE_POLICY = { Version: '2012-10-17', Statement: [{
  Effect: 'Allow', Action: ['kms:Encrypt', 'kms:DescribeKey'], Resource: `arn:aws:kms:*:${ACCT}:key/*`,
  Condition: { 'ForAllValues:StringLike': { 'kms:ResourceAliases': ['alias/*Test*'] }, 'ForAnyValue:StringLike': { 'kms:ResourceAliases': ['alias/*Test*'] } },
}] };

/** The seed's key policy, verbatim. */
const SEED_POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Enable Root Account', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*', Resource: '*' },
    {
      Sid: 'Allow Admin',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCT}:role/KMSAdmin` },
      Action: ['kms:Create*', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*', 'kms:Disable*', 'kms:Get*', 'kms:Delete*', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion'],
      Resource: '*',
    },
    { Sid: 'Allow Use', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:role/PetTracker-Lambda` }, Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*'], Resource: '*' },
  ],
};

/** The seed's cross-account policy, with the account root kept so the owner can manage the key. */
const CROSS_POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Enable Root Account', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*', Resource: '*' },
    {
      Sid: 'AllowCrossAccountUse',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${OTHER}:role/CrossAccountRole` },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*'],
      Resource: '*',
      Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
    },
  ],
};

const assumeAny = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] };

let h: Harness;
let admin: KMSClient;
let lambda: KMSClient;
let cross: KMSClient;
let carol: KMSClient;
let seedKey: { KeyId: string; Arn: string };
let identitiesFile: string;

before(async () => {
  const dir = tempDir();
  const identities = join(dir, 'identities.json');
  identitiesFile = identities;
  writeFileSync(
    identities,
    JSON.stringify({
      accounts: {
        [ACCT]: {
          principals: [
            { arn: `arn:aws:iam::${ACCT}:role/KMSAdmin` },
            { arn: `arn:aws:iam::${ACCT}:role/PetTracker-Lambda` },
            { arn: `arn:aws:iam::${ACCT}:user/alice`, accessKeys: [{ id: ALICE.accessKeyId, secret: ALICE.secretAccessKey }], policies: [assumeAny] },
            { arn: `arn:aws:iam::${ACCT}:user/carol`, accessKeys: [{ id: CAROL.accessKeyId, secret: CAROL.secretAccessKey }] },
            { arn: `arn:aws:iam::${ACCT}:user/dave`, accessKeys: [{ id: DAVE.accessKeyId, secret: DAVE.secretAccessKey }], policies: [DAVE_POLICY] },
          ],
        },
        [OTHER]: {
          principals: [
            { arn: `arn:aws:iam::${OTHER}:role/CrossAccountRole`, policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] }] },
            { arn: `arn:aws:iam::${OTHER}:user/bob`, accessKeys: [{ id: BOB.accessKeyId, secret: BOB.secretAccessKey }], policies: [assumeAny] },
          ],
        },
      },
    }),
  );
  h = await startTrent({ config: { accountId: ACCT, identitiesFile: identities } });
  const as = async (c: typeof ALICE, role: string, session: string) => h.client(await assumeRole(h.trent.url, h.trent.caPath, c, role, session));
  admin = await as(ALICE, `arn:aws:iam::${ACCT}:role/KMSAdmin`, 'admin-session');
  lambda = await as(ALICE, `arn:aws:iam::${ACCT}:role/PetTracker-Lambda`, 'lambda-session');
  cross = await as(BOB, `arn:aws:iam::${OTHER}:role/CrossAccountRole`, 'cross-session');
  carol = h.client(CAROL);
  const md = (await h.kms.send(new CreateKeyCommand({ Policy: JSON.stringify(SEED_POLICY), Description: 'seed policy' }))).KeyMetadata!;
  seedKey = { KeyId: md.KeyId!, Arn: md.Arn! };
});
after(async () => {
  for (const c of [admin, lambda, cross, carol]) c?.destroy();
  await h.stop();
});

describe("the seed's key policy", () => {
  test('the Lambda role encrypts, decrypts and generates data keys', async () => {
    const e = await lambda.send(new EncryptCommand({ KeyId: seedKey.KeyId, Plaintext: Buffer.from('rex') }));
    assert.equal(Buffer.from((await lambda.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob }))).Plaintext!).toString(), 'rex');
    await lambda.send(new GenerateDataKeyCommand({ KeyId: seedKey.KeyId, KeySpec: 'AES_256' }));
  });

  // The key policy's account statement delegates to IAM, and the role's IAM policies allow
  // nothing more, so AWS names the identity-based side.
  test('the Lambda role cannot describe the key or schedule its deletion', async () => {
    const session = `arn:aws:sts::${ACCT}:assumed-role/PetTracker-Lambda/lambda-session`;
    await rejectsWith(lambda.send(new ScheduleKeyDeletionCommand({ KeyId: seedKey.KeyId })), 'AccessDeniedException', `User: ${session} is not authorized to perform: kms:ScheduleKeyDeletion on resource: ${seedKey.Arn} because no identity-based policy allows the kms:ScheduleKeyDeletion action`);
    await rejectsWith(lambda.send(new DescribeKeyCommand({ KeyId: seedKey.KeyId })), 'AccessDeniedException');
    assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId: seedKey.KeyId }))).KeyMetadata!.KeyState, 'Enabled', 'nothing changed');
  });

  test('the admin role manages the key but cannot decrypt', async () => {
    const e = await lambda.send(new EncryptCommand({ KeyId: seedKey.KeyId, Plaintext: Buffer.from('secret') }));
    await rejectsWith(admin.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob })), 'AccessDeniedException', /is not authorized to perform: kms:Decrypt on resource: .* because no identity-based policy allows the kms:Decrypt action$/);
    await rejectsWith(admin.send(new EncryptCommand({ KeyId: seedKey.KeyId, Plaintext: Buffer.from('x') })), 'AccessDeniedException');
    assert.equal((await admin.send(new DescribeKeyCommand({ KeyId: seedKey.KeyId }))).KeyMetadata!.KeyId, seedKey.KeyId);
    const policy = (await admin.send(new GetKeyPolicyCommand({ KeyId: seedKey.KeyId }))).Policy!;
    assert.deepEqual(JSON.parse(policy), SEED_POLICY);
  });

  test('an IAM user with no identity policy is not allowed by the account delegation alone', async () => {
    await rejectsWith(carol.send(new EncryptCommand({ KeyId: seedKey.KeyId, Plaintext: Buffer.from('x') })), 'AccessDeniedException', /because no identity-based policy allows the kms:Encrypt action$/);
  });
});

describe("the seed's cross-account policy", () => {
  test('the other account\'s role is denied on a direct call (kms:ViaService is never set by a direct call)', async () => {
    const k = (await h.kms.send(new CreateKeyCommand({ Policy: JSON.stringify(CROSS_POLICY) }))).KeyMetadata!;
    await rejectsWith(cross.send(new EncryptCommand({ KeyId: k.Arn, Plaintext: Buffer.from('x') })), 'AccessDeniedException');
    await rejectsWith(cross.send(new GenerateDataKeyCommand({ KeyId: k.Arn, KeySpec: 'AES_256' })), 'AccessDeniedException');
  });
});

describe('grants', () => {
  test('a grant lets a principal use the key at once; listing, retiring and revoking', async () => {
    const carolArn = `arn:aws:iam::${ACCT}:user/carol`;
    await rejectsWith(carol.send(new EncryptCommand({ KeyId: seedKey.KeyId, Plaintext: Buffer.from('x') })), 'AccessDeniedException');
    const g = await h.kms.send(new CreateGrantCommand({ KeyId: seedKey.KeyId, GranteePrincipal: carolArn, RetiringPrincipal: carolArn, Operations: ['Encrypt', 'Decrypt'], Name: 'carol-use' }));
    assert.match(g.GrantId!, /^[0-9a-f]{64}$/);
    const e = await carol.send(new EncryptCommand({ KeyId: seedKey.KeyId, Plaintext: Buffer.from('granted'), GrantTokens: [g.GrantToken!] }));
    assert.equal(Buffer.from((await carol.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob }))).Plaintext!).toString(), 'granted');
    await rejectsWith(carol.send(new GenerateDataKeyCommand({ KeyId: seedKey.KeyId, KeySpec: 'AES_256' })), 'AccessDeniedException');
    const again = await h.kms.send(new CreateGrantCommand({ KeyId: seedKey.KeyId, GranteePrincipal: carolArn, RetiringPrincipal: carolArn, Operations: ['Encrypt', 'Decrypt'], Name: 'carol-use' }));
    assert.equal(again.GrantId, g.GrantId, 'same name and parameters: the same grant');
    const listed = await h.kms.send(new ListGrantsCommand({ KeyId: seedKey.KeyId }));
    const entry = listed.Grants!.find((x) => x.GrantId === g.GrantId)!;
    assert.equal(entry.GranteePrincipal, carolArn);
    assert.deepEqual(entry.Operations, ['Encrypt', 'Decrypt']);
    assert.equal(entry.Name, 'carol-use');
    assert.equal(entry.IssuingAccount, `arn:aws:iam::${ACCT}:root`);
    assert.equal((await h.kms.send(new ListRetirableGrantsCommand({ RetiringPrincipal: carolArn }))).Grants!.length, 1);
    await carol.send(new RetireGrantCommand({ GrantToken: g.GrantToken }));
    await rejectsWith(carol.send(new EncryptCommand({ KeyId: seedKey.KeyId, Plaintext: Buffer.from('x') })), 'AccessDeniedException');

    const c = await h.kms.send(new CreateGrantCommand({ KeyId: seedKey.KeyId, GranteePrincipal: carolArn, Operations: ['Encrypt'], Constraints: { EncryptionContextSubset: { app: 'pettracker' } } }));
    await rejectsWith(carol.send(new EncryptCommand({ KeyId: seedKey.KeyId, Plaintext: Buffer.from('x') })), 'AccessDeniedException');
    await carol.send(new EncryptCommand({ KeyId: seedKey.KeyId, Plaintext: Buffer.from('x'), EncryptionContext: { app: 'pettracker', extra: '1' } }));
    await h.kms.send(new RevokeGrantCommand({ KeyId: seedKey.KeyId, GrantId: c.GrantId }));
    await rejectsWith(carol.send(new EncryptCommand({ KeyId: seedKey.KeyId, Plaintext: Buffer.from('x'), EncryptionContext: { app: 'pettracker' } })), 'AccessDeniedException');
    await rejectsWith(h.kms.send(new RevokeGrantCommand({ KeyId: seedKey.KeyId, GrantId: c.GrantId })), 'NotFoundException');
  });
});

describe('grants: grantees and quotas', () => {
  // "Grants in AWS KMS": the grantee may be a user, a role or an assumed-role user; a grant to a
  // role is used by the sessions of that role, as a key policy naming the role.
  test("a grant naming a role is honoured for that role's assumed-role sessions, and only theirs", async () => {
    const k = (await h.kms.send(new CreateKeyCommand({ Policy: JSON.stringify(SEED_POLICY) }))).KeyMetadata!;
    const e = await lambda.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from('for-admin') }));
    await rejectsWith(admin.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob })), 'AccessDeniedException');
    const g = await h.kms.send(new CreateGrantCommand({ KeyId: k.KeyId, GranteePrincipal: `arn:aws:iam::${ACCT}:role/KMSAdmin`, Operations: ['Decrypt'] }));
    assert.equal(Buffer.from((await admin.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob }))).Plaintext!).toString(), 'for-admin');
    await rejectsWith(carol.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob })), 'AccessDeniedException');
    await h.kms.send(new RevokeGrantCommand({ KeyId: k.KeyId, GrantId: g.GrantId }));
    await rejectsWith(admin.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob })), 'AccessDeniedException');
  });

  // "Resource quotas": 500 grants for a given principal per KMS key (and 50,000 per key).
  test('the 501st grant for one grantee on one key is LimitExceededException; other grantees and retries still work', async () => {
    const k = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const carolArn = `arn:aws:iam::${ACCT}:user/carol`;
    let first: string | undefined;
    for (let i = 0; i < 500; i++) {
      const g = await h.kms.send(new CreateGrantCommand({ KeyId: k.KeyId, GranteePrincipal: carolArn, Operations: ['Encrypt'], Name: `g${i}` }));
      first ??= g.GrantId;
    }
    await rejectsWith(
      h.kms.send(new CreateGrantCommand({ KeyId: k.KeyId, GranteePrincipal: carolArn, Operations: ['Decrypt'] })),
      'LimitExceededException',
      `The number of grants for principal ${carolArn} on key ${k.Arn} exceeds the limit of 500.`,
    );
    const again = await h.kms.send(new CreateGrantCommand({ KeyId: k.KeyId, GranteePrincipal: carolArn, Operations: ['Encrypt'], Name: 'g0' }));
    assert.equal(again.GrantId, first, 'an idempotent retry creates nothing and is not refused');
    await h.kms.send(new CreateGrantCommand({ KeyId: k.KeyId, GranteePrincipal: `arn:aws:iam::${ACCT}:role/KMSAdmin`, Operations: ['Decrypt'] }));
    let count = 0;
    let marker: string | undefined;
    do {
      const page = await h.kms.send(new ListGrantsCommand({ KeyId: k.KeyId, GranteePrincipal: carolArn, Limit: 100, Marker: marker }));
      count += page.Grants!.length;
      marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker);
    assert.equal(count, 500, 'the refused request created nothing');
    await h.kms.send(new RevokeGrantCommand({ KeyId: k.KeyId, GrantId: first }));
    await h.kms.send(new CreateGrantCommand({ KeyId: k.KeyId, GranteePrincipal: carolArn, Operations: ['Decrypt'] }));
  });
});

describe('key policy checks', () => {
  test('a policy that would lock the caller out is refused unless BypassPolicyLockoutSafetyCheck', async () => {
    const k = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const lockout = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:role/PetTracker-Lambda` }, Action: 'kms:Encrypt', Resource: '*' }] });
    await rejectsWith(h.kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, PolicyName: 'default', Policy: lockout })), 'MalformedPolicyDocumentException', 'The new key policy will not allow you to update the key policy in the future.');
    await rejectsWith(h.kms.send(new CreateKeyCommand({ Policy: lockout })), 'MalformedPolicyDocumentException', 'The new key policy will not allow you to update the key policy in the future.');
    await h.kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, PolicyName: 'default', Policy: lockout, BypassPolicyLockoutSafetyCheck: true }));
    await rejectsWith(h.kms.send(new GetKeyPolicyCommand({ KeyId: k.KeyId })), 'AccessDeniedException', /because no resource-based policy allows the kms:GetKeyPolicy action/);
  });

  test('a policy naming a principal that does not exist is malformed', async () => {
    const bad = JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:role/NoSuchRole` }, Action: 'kms:Decrypt', Resource: '*' },
    ] });
    await rejectsWith(h.kms.send(new CreateKeyCommand({ Policy: bad })), 'MalformedPolicyDocumentException', 'Policy contains a statement with one or more invalid principals.');
  });
});

describe('STS', () => {
  test('GetCallerIdentity and AssumeRole answer in the Query protocol', async () => {
    const who = await stsRequest(h.trent.url, h.trent.caPath, { Action: 'GetCallerIdentity' }, ALICE);
    assert.equal(who.status, 200, who.body);
    assert.match(who.body, new RegExp(`<Arn>arn:aws:iam::${ACCT}:user/alice</Arn>`));
    assert.match(who.body, new RegExp(`<Account>${ACCT}</Account>`));
    const root = await stsRequest(h.trent.url, h.trent.caPath, { Action: 'GetCallerIdentity' }, { accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET });
    assert.match(root.body, new RegExp(`<Arn>arn:aws:iam::${ACCT}:root</Arn>`));
    const creds = await assumeRole(h.trent.url, h.trent.caPath, ALICE, `arn:aws:iam::${ACCT}:role/KMSAdmin`, 'who');
    assert.match(creds.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
    const me = await stsRequest(h.trent.url, h.trent.caPath, { Action: 'GetCallerIdentity' }, creds);
    assert.match(me.body, new RegExp(`<Arn>arn:aws:sts::${ACCT}:assumed-role/KMSAdmin/who</Arn>`));
    const denied = await stsRequest(h.trent.url, h.trent.caPath, { Action: 'AssumeRole', RoleArn: `arn:aws:iam::${ACCT}:role/KMSAdmin`, RoleSessionName: 'nope' }, CAROL);
    assert.equal(denied.status, 403);
    assert.match(denied.body, /<Code>AccessDenied<\/Code>/);
  });
});

describe('trent policy explain', () => {
  test('explains a denial and an allow, naming the statements', async () => {
    const where = h.storeUrl !== undefined ? ['--store', h.storeUrl] : ['--data-dir', h.dataDir];
    const base = [join(ROOT, 'bin/trent.js'), 'policy', 'explain', ...where, '--identities', identitiesFile, '--key', seedKey.KeyId];
    const denied = await run(process.execPath, [...base, '--principal', `arn:aws:sts::${ACCT}:assumed-role/KMSAdmin/x`, '--action', 'kms:Decrypt']);
    assert.equal(denied.code, 3, denied.stderr);
    assert.match(denied.stdout, /^DENIED/);
    assert.match(denied.stdout, /Allow Admin/);
    assert.match(denied.stdout, /Allow Use/);
    const allowed = await run(process.execPath, [...base, '--principal', `arn:aws:sts::${ACCT}:assumed-role/PetTracker-Lambda/x`, '--action', 'kms:Decrypt']);
    assert.equal(allowed.code, 0, allowed.stderr + allowed.stdout);
    assert.match(allowed.stdout, /^ALLOWED/);
    assert.match(allowed.stdout, /Allow Use/);
  });
});

describe('condition keys', () => {
  test('kms:RequestAlias: a key usable only when named by its alias', async () => {
    const root = `arn:aws:iam::${ACCT}:root`;
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [
      { Sid: 'AllButEncrypt', Effect: 'Allow', Principal: { AWS: root }, NotAction: 'kms:Encrypt', Resource: '*' },
      { Sid: 'EncryptByAlias', Effect: 'Allow', Principal: { AWS: root }, Action: 'kms:Encrypt', Resource: '*', Condition: { StringEquals: { 'kms:RequestAlias': 'alias/by-alias' } } },
    ] });
    const k = (await h.kms.send(new CreateKeyCommand({ Policy: policy }))).KeyMetadata!;
    await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/by-alias', TargetKeyId: k.KeyId }));
    await h.kms.send(new EncryptCommand({ KeyId: 'alias/by-alias', Plaintext: Buffer.from('x') }));
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from('x') })), 'AccessDeniedException');
  });

  test('kms:ResourceAliases: an IAM policy allows keys whose aliases all match, and at least one', async () => {
    const dave = h.client(DAVE);
    try {
      const k = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
      const encrypt = () => dave.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from('x') }));
      await rejectsWith(encrypt(), 'AccessDeniedException', /because no identity-based policy allows the kms:Encrypt action$/);
      await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/ProjectTest', TargetKeyId: k.KeyId }));
      await encrypt();
      await dave.send(new DescribeKeyCommand({ KeyId: k.Arn }));
      await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/production', TargetKeyId: k.KeyId }));
      await rejectsWith(encrypt(), 'AccessDeniedException');
      await h.kms.send(new DeleteAliasCommand({ AliasName: 'alias/production' }));
      await encrypt();
    } finally {
      dave.destroy();
    }
  });

  test('kms:EncryptionContext:<key> and aws:SecureTransport', async () => {
    const root = `arn:aws:iam::${ACCT}:root`;
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Principal: { AWS: root }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:Encrypt', Resource: '*', Condition: { StringNotEquals: { 'kms:EncryptionContext:tenant': 'pettracker' } } },
      { Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
    ] });
    const k = (await h.kms.send(new CreateKeyCommand({ Policy: policy }))).KeyMetadata!;
    await h.kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from('x'), EncryptionContext: { tenant: 'pettracker' } }));
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from('x'), EncryptionContext: { tenant: 'other' } })), 'AccessDeniedException', /with an explicit deny in a resource-based policy$/);
  });
});
