/**
 * No reading across accounts or Regions. Each operation's "Cross-account use" line in the AWS KMS
 * API reference is the rule: ListRetirableGrants takes "a principal in your AWS account"; ListAliases
 * "does not return aliases in other AWS accounts"; GetKeyPolicy, ListKeyPolicies, ListResourceTags,
 * ListKeyRotations and ListKeys cannot be used on another account's key at all; DescribeKey,
 * GetKeyRotationStatus, GetPublicKey and ListGrants can, with the key policy's permission. And every
 * KMS operation answers for the request's Region only.
 *
 * Bob (another account) and alice (the key's account) hold identity policies allowing kms:* on
 * everything, so anything refused here is refused by the rule, not by a missing permission.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  GetPublicKeyCommand,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeyPoliciesCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  ListRetirableGrantsCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { rejectsWith } from '../support/assert-aws.ts';
import { ACCT, OTHER, ALICE, BOB, aliceArn, carolArn, bobArn } from '../support/people.ts';
import { startTrent, tempDir, type Harness } from '../support/trent.ts';

const allKms = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] };

let h: Harness;
let west: KMSClient;
let alice: KMSClient;
let aliceWest: KMSClient;
let bob: KMSClient;

before(async () => {
  const identities = join(tempDir(), 'identities.json');
  writeFileSync(identities, JSON.stringify({
    accounts: {
      [ACCT]: { principals: [
        { arn: aliceArn, accessKeys: [{ id: ALICE.accessKeyId, secret: ALICE.secretAccessKey }], policies: [allKms] },
        { arn: carolArn },
      ] },
      [OTHER]: { principals: [{ arn: bobArn, accessKeys: [{ id: BOB.accessKeyId, secret: BOB.secretAccessKey }], policies: [allKms] }] },
    },
  }));
  h = await startTrent({ config: { accountId: ACCT, identitiesFile: identities } });
  west = h.client(undefined, 'us-west-2');
  alice = h.client(ALICE);
  aliceWest = h.client(ALICE, 'us-west-2');
  bob = h.client(BOB);
});
after(async () => {
  for (const c of [west, alice, aliceWest, bob]) c?.destroy();
  await h.stop();
});

/** Grants with `retiring` as retiring principal on a fresh key of the account, in `client`'s Region. */
async function retirableGrants(client: KMSClient, retiring: string, n: number): Promise<{ keyArn: string; grantIds: string[] }> {
  const keyArn = (await client.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
  const grantIds: string[] = [];
  for (let i = 0; i < n; i++) {
    grantIds.push((await client.send(new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: carolArn, RetiringPrincipal: retiring, Operations: ['Decrypt'] }))).GrantId!);
  }
  return { keyArn, grantIds };
}

async function listAllRetirable(client: KMSClient, principal: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let marker: string | undefined;
  for (let page = 0; page < 100; page++) {
    const r = await client.send(new ListRetirableGrantsCommand({ RetiringPrincipal: principal, Limit: limit, Marker: marker }));
    ids.push(...r.Grants!.map((g) => g.GrantId!));
    if (!r.Truncated) return ids;
    marker = r.NextMarker;
  }
  throw new Error('ListRetirableGrants did not end');
}

describe('ListRetirableGrants: a principal of the caller\'s account, grants of the request\'s Region', () => {
  test('a principal of another account is AccessDeniedException, and nothing of theirs is listed', async () => {
    await retirableGrants(h.kms, aliceArn, 2);
    for (const principal of [aliceArn, `arn:aws:iam::${ACCT}:root`, `arn:aws:iam::${ACCT}:role/ops`, `arn:aws:sts::${ACCT}:assumed-role/ops/s1`]) {
      await rejectsWith(
        bob.send(new ListRetirableGrantsCommand({ RetiringPrincipal: principal })),
        'AccessDeniedException',
        `User: ${bobArn} is not authorized to perform: kms:ListRetirableGrants on resource: ${principal} because no resource-based policy allows the kms:ListRetirableGrants action`,
      );
    }
    // Alice lists her own, and another principal of her account, as AWS allows with kms:ListRetirableGrants.
    assert.equal((await alice.send(new ListRetirableGrantsCommand({ RetiringPrincipal: aliceArn }))).Grants!.length >= 2, true);
    await alice.send(new ListRetirableGrantsCommand({ RetiringPrincipal: carolArn }));
  });

  test('a service principal is in no caller\'s account: refused', async () => {
    const service = 'dynamodb.us-east-1.amazonaws.com';
    await retirableGrants(h.kms, service, 1);
    await rejectsWith(alice.send(new ListRetirableGrantsCommand({ RetiringPrincipal: service })), 'AccessDeniedException', /on resource: dynamodb\.us-east-1\.amazonaws\.com because no resource-based policy allows/);
  });

  test('each Region lists its own grants only, also page by page', async () => {
    const retiring = `arn:aws:iam::${ACCT}:user/carol`;
    const east = await retirableGrants(h.kms, retiring, 3);
    const westGrants = await retirableGrants(west, retiring, 2);
    assert.deepEqual((await listAllRetirable(alice, retiring, 100)).sort(), [...east.grantIds].sort());
    assert.deepEqual((await listAllRetirable(alice, retiring, 1)).sort(), [...east.grantIds].sort());
    assert.deepEqual((await listAllRetirable(aliceWest, retiring, 1)).sort(), [...westGrants.grantIds].sort());
    const keys = new Set((await aliceWest.send(new ListRetirableGrantsCommand({ RetiringPrincipal: retiring }))).Grants!.map((g) => g.KeyId));
    assert.deepEqual([...keys], [westGrants.keyArn]);
  });

  test('a marker naming another Region is InvalidMarkerException, crafted or carried over', async () => {
    const retiring = `arn:aws:iam::${ACCT}:role/markers`;
    await retirableGrants(h.kms, retiring, 2);
    await retirableGrants(west, retiring, 2);
    const crafted = Buffer.from(`r:us-west-2/0/${'0'.repeat(64)}`, 'utf8').toString('base64url');
    await rejectsWith(alice.send(new ListRetirableGrantsCommand({ RetiringPrincipal: retiring, Marker: crafted })), 'InvalidMarkerException');
    const first = await alice.send(new ListRetirableGrantsCommand({ RetiringPrincipal: retiring, Limit: 1 }));
    assert.equal(first.Truncated, true);
    await rejectsWith(aliceWest.send(new ListRetirableGrantsCommand({ RetiringPrincipal: retiring, Marker: first.NextMarker })), 'InvalidMarkerException');
  });
});

describe('ListAliases: KeyId of another account', () => {
  test('is NotFoundException whether or not the key exists, and says nothing about it', async () => {
    const k = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/secret-project', TargetKeyId: k.KeyId }));
    const missing = k.Arn!.replace(/key\/.*$/, 'key/00000000-0000-4000-8000-000000000000');
    await rejectsWith(bob.send(new ListAliasesCommand({ KeyId: k.Arn })), 'NotFoundException', `Key '${k.Arn}' does not exist`);
    await rejectsWith(bob.send(new ListAliasesCommand({ KeyId: missing })), 'NotFoundException', `Key '${missing}' does not exist`);
    // The key's own account lists its aliases by key ARN as before.
    assert.deepEqual((await alice.send(new ListAliasesCommand({ KeyId: k.Arn }))).Aliases!.map((a) => a.AliasName), ['alias/secret-project']);
    assert.equal((await bob.send(new ListAliasesCommand({}))).Aliases!.length, 0, "bob's account has no aliases");
  });
});

describe('the other reads of another account\'s key (audited: already as AWS)', () => {
  // The key's policy allows the other account everything, and bob's identity policy allows kms:*:
  // only the operations AWS lets cross accounts work.
  const crossPolicy = JSON.stringify({ Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*', Resource: '*' },
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: 'kms:*', Resource: '*' },
  ] });

  test('GetKeyPolicy, ListKeyPolicies, ListResourceTags, ListKeyRotations: never across accounts', async () => {
    const k = (await h.kms.send(new CreateKeyCommand({ Policy: crossPolicy, Tags: [{ TagKey: 'owner', TagValue: 'alice' }] }))).KeyMetadata!;
    for (const [name, call] of [
      ['GetKeyPolicy', () => bob.send(new GetKeyPolicyCommand({ KeyId: k.Arn, PolicyName: 'default' }))],
      ['ListKeyPolicies', () => bob.send(new ListKeyPoliciesCommand({ KeyId: k.Arn }))],
      ['ListResourceTags', () => bob.send(new ListResourceTagsCommand({ KeyId: k.Arn }))],
      ['ListKeyRotations', () => bob.send(new ListKeyRotationsCommand({ KeyId: k.Arn }))],
    ] as const) {
      await rejectsWith(call(), 'AccessDeniedException', new RegExp(`^User: ${bobArn} is not authorized to perform: kms:${name} on resource: `));
    }
    assert.equal((await bob.send(new ListKeysCommand({}))).Keys!.length, 0, 'ListKeys lists the caller\'s account only');
  });

  test('DescribeKey, GetKeyRotationStatus, GetPublicKey, ListGrants: only with the key policy\'s permission', async () => {
    const open = (await h.kms.send(new CreateKeyCommand({ Policy: crossPolicy, KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!;
    await bob.send(new DescribeKeyCommand({ KeyId: open.Arn }));
    await bob.send(new GetPublicKeyCommand({ KeyId: open.Arn }));
    await bob.send(new ListGrantsCommand({ KeyId: open.Arn }));
    const openSymmetric = (await h.kms.send(new CreateKeyCommand({ Policy: crossPolicy }))).KeyMetadata!;
    assert.equal((await bob.send(new GetKeyRotationStatusCommand({ KeyId: openSymmetric.Arn }))).KeyRotationEnabled, false);
    const closed = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    await h.kms.send(new CreateGrantCommand({ KeyId: closed.Arn, GranteePrincipal: carolArn, Operations: ['Decrypt'] }));
    for (const call of [
      () => bob.send(new DescribeKeyCommand({ KeyId: closed.Arn })),
      () => bob.send(new GetKeyRotationStatusCommand({ KeyId: closed.Arn })),
      () => bob.send(new GetPublicKeyCommand({ KeyId: closed.Arn })),
      () => bob.send(new ListGrantsCommand({ KeyId: closed.Arn })),
    ]) {
      await rejectsWith(call(), 'AccessDeniedException', /because no resource-based policy allows the kms:/);
    }
  });
});
