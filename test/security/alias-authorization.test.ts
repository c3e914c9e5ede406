/**
 * Alias resources are authorized as AWS KMS does ("Controlling access to aliases"; "Use aliases
 * to control access to KMS keys"): CreateAlias, UpdateAlias and DeleteAlias need the permission on
 * the alias (identity policies only) and on every affected key; kms:RequestAlias and
 * kms:ResourceAliases see the aliases of the request and of the key. Through the SDK, with signed
 * requests of IAM users whose identity policies come from the identities file.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateMacCommand,
  ListAliasesCommand,
  UpdateAliasCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { rejectsWith } from '../support/assert-aws.ts';
import { startTrent, tempDir, type Harness } from '../support/trent.ts';

const ACCT = '111122223333';
const REGION = 'us-east-1';
const aliasArn = (name: string) => `arn:aws:kms:${REGION}:${ACCT}:${name}`;
const user = (name: string) => `arn:aws:iam::${ACCT}:user/${name}`;
const ALIAS_OPS = ['kms:CreateAlias', 'kms:UpdateAlias', 'kms:DeleteAlias'];

const creds = (n: string) => ({ accessKeyId: `AKIA${n.toUpperCase().padEnd(16, '0')}`, secretAccessKey: `${n}-secret-${'0'.repeat(30)}` });
const OPS = creds('ops');
const KEYONLY = creds('keyonly');
const ALIASONLY = creds('aliasonly');
const BLUE = creds('blue');

/** Every KMS action anywhere, except alias operations on `alias/prod-*`. */
const OPS_POLICY = { Version: '2012-10-17', Statement: [
  { Effect: 'Allow', Action: 'kms:*', Resource: '*' },
  { Effect: 'Deny', Action: ALIAS_OPS, Resource: `arn:aws:kms:*:${ACCT}:alias/prod-*` },
] };
/** Alias operations on every key, but on no alias. */
const KEYONLY_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ALIAS_OPS, Resource: `arn:aws:kms:*:${ACCT}:key/*` }] };
/** Alias operations (and Encrypt, which an alias ARN cannot grant) on every alias, but on no key. */
const ALIASONLY_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: [...ALIAS_OPS, 'kms:Encrypt'], Resource: `arn:aws:kms:*:${ACCT}:alias/*` }] };
/** The blue team: its aliases, on its keys (tagged team=blue). */
const BLUE_POLICY = { Version: '2012-10-17', Statement: [
  { Effect: 'Allow', Action: ALIAS_OPS, Resource: `arn:aws:kms:${REGION}:${ACCT}:alias/blue-*` },
  { Effect: 'Allow', Action: ALIAS_OPS, Resource: `arn:aws:kms:*:${ACCT}:key/*`, Condition: { StringEquals: { 'aws:ResourceTag/team': 'blue' } } },
] };

let h: Harness;
let ops: KMSClient;
let keyonly: KMSClient;
let aliasonly: KMSClient;
let blue: KMSClient;

before(async () => {
  const dir = tempDir();
  const identities = join(dir, 'identities.json');
  const principal = (name: string, c: typeof OPS, policy: object) => ({ arn: user(name), accessKeys: [{ id: c.accessKeyId, secret: c.secretAccessKey }], policies: [policy] });
  writeFileSync(identities, JSON.stringify({ accounts: { [ACCT]: { principals: [
    principal('ops', OPS, OPS_POLICY),
    principal('keyonly', KEYONLY, KEYONLY_POLICY),
    principal('aliasonly', ALIASONLY, ALIASONLY_POLICY),
    principal('blue', BLUE, BLUE_POLICY),
  ] } } }));
  h = await startTrent({ config: { accountId: ACCT, identitiesFile: identities } });
  ops = h.client(OPS);
  keyonly = h.client(KEYONLY);
  aliasonly = h.client(ALIASONLY);
  blue = h.client(BLUE);
});
after(async () => {
  for (const c of [ops, keyonly, aliasonly, blue]) c?.destroy();
  await h.stop();
});

/** A key with the default key policy (the account delegates to IAM), made by the account root. */
async function newKey(tags: Record<string, string> = {}): Promise<{ KeyId: string; Arn: string }> {
  const md = (await h.kms.send(new CreateKeyCommand({ Tags: Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })) }))).KeyMetadata!;
  return { KeyId: md.KeyId!, Arn: md.Arn! };
}

/** The key an alias points to (undefined when it does not exist), as the account root sees it. */
async function targetOf(name: string): Promise<string | undefined> {
  const all = (await h.kms.send(new ListAliasesCommand({ Limit: 1000 }))).Aliases ?? [];
  return all.find((a) => a.AliasName === name)?.TargetKeyId;
}

describe('the alias is a resource of its own', () => {
  test('an identity-policy Deny on alias/prod-* stops CreateAlias, UpdateAlias and DeleteAlias', async () => {
    const k1 = await newKey();
    const k2 = await newKey();
    const denied = (action: string, name: string) => `User: ${user('ops')} is not authorized to perform: ${action} on resource: ${aliasArn(name)} with an explicit deny in an identity-based policy`;

    await rejectsWith(ops.send(new CreateAliasCommand({ AliasName: 'alias/prod-db', TargetKeyId: k1.KeyId })), 'AccessDeniedException', denied('kms:CreateAlias', 'alias/prod-db'));
    assert.equal(await targetOf('alias/prod-db'), undefined, 'no alias was created');
    // The same caller and key, another alias name: the Deny is on the alias, nothing else.
    await ops.send(new CreateAliasCommand({ AliasName: 'alias/dev-db', TargetKeyId: k1.KeyId }));

    await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/prod-web', TargetKeyId: k1.KeyId }));
    await rejectsWith(ops.send(new UpdateAliasCommand({ AliasName: 'alias/prod-web', TargetKeyId: k2.KeyId })), 'AccessDeniedException', denied('kms:UpdateAlias', 'alias/prod-web'));
    await rejectsWith(ops.send(new DeleteAliasCommand({ AliasName: 'alias/prod-web' })), 'AccessDeniedException', denied('kms:DeleteAlias', 'alias/prod-web'));
    assert.equal(await targetOf('alias/prod-web'), k1.KeyId, 'the alias still exists and still points to its key');

    await ops.send(new UpdateAliasCommand({ AliasName: 'alias/dev-db', TargetKeyId: k2.KeyId }));
    await ops.send(new DeleteAliasCommand({ AliasName: 'alias/dev-db' }));
    assert.equal(await targetOf('alias/dev-db'), undefined);
  });

  test('permission on the key is not enough: an IAM user allowed on the key but not on the alias is refused', async () => {
    const k1 = await newKey();
    const k2 = await newKey();
    const refused = (action: string, name: string) => `User: ${user('keyonly')} is not authorized to perform: ${action} on resource: ${aliasArn(name)} because no identity-based policy allows the ${action} action`;
    await rejectsWith(keyonly.send(new CreateAliasCommand({ AliasName: 'alias/keyonly', TargetKeyId: k1.KeyId })), 'AccessDeniedException', refused('kms:CreateAlias', 'alias/keyonly'));
    assert.equal(await targetOf('alias/keyonly'), undefined);

    await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/shared', TargetKeyId: k1.KeyId }));
    await rejectsWith(keyonly.send(new UpdateAliasCommand({ AliasName: 'alias/shared', TargetKeyId: k2.KeyId })), 'AccessDeniedException', refused('kms:UpdateAlias', 'alias/shared'));
    await rejectsWith(keyonly.send(new DeleteAliasCommand({ AliasName: 'alias/shared' })), 'AccessDeniedException', refused('kms:DeleteAlias', 'alias/shared'));
    assert.equal(await targetOf('alias/shared'), k1.KeyId);
  });

  test('permission on the alias is not enough: every affected key needs it too', async () => {
    const k1 = await newKey();
    const k2 = await newKey();
    const refused = (action: string, key: string) => `User: ${user('aliasonly')} is not authorized to perform: ${action} on resource: ${key} because no identity-based policy allows the ${action} action`;
    await rejectsWith(aliasonly.send(new CreateAliasCommand({ AliasName: 'alias/aliasonly', TargetKeyId: k1.KeyId })), 'AccessDeniedException', refused('kms:CreateAlias', k1.Arn));
    await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/aliasonly-2', TargetKeyId: k1.KeyId }));
    await rejectsWith(aliasonly.send(new UpdateAliasCommand({ AliasName: 'alias/aliasonly-2', TargetKeyId: k2.KeyId })), 'AccessDeniedException');
    await rejectsWith(aliasonly.send(new DeleteAliasCommand({ AliasName: 'alias/aliasonly-2' })), 'AccessDeniedException', refused('kms:DeleteAlias', k1.Arn));
    assert.equal(await targetOf('alias/aliasonly'), undefined);
    assert.equal(await targetOf('alias/aliasonly-2'), k1.KeyId);
  });

  test('allowed on the alias and on its keys: works; UpdateAlias needs the current key and the new key', async () => {
    const b1 = await newKey({ team: 'blue' });
    const b2 = await newKey({ team: 'blue' });
    const red = await newKey({ team: 'red' });
    await blue.send(new CreateAliasCommand({ AliasName: 'alias/blue-app', TargetKeyId: b1.KeyId }));
    await blue.send(new UpdateAliasCommand({ AliasName: 'alias/blue-app', TargetKeyId: b2.KeyId }));
    assert.equal(await targetOf('alias/blue-app'), b2.KeyId);
    // The new key is not the team's.
    await rejectsWith(blue.send(new UpdateAliasCommand({ AliasName: 'alias/blue-app', TargetKeyId: red.KeyId })), 'AccessDeniedException', new RegExp(`kms:UpdateAlias on resource: ${red.Arn} `));
    // The current key is not the team's.
    await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/blue-stolen', TargetKeyId: red.KeyId }));
    await rejectsWith(blue.send(new UpdateAliasCommand({ AliasName: 'alias/blue-stolen', TargetKeyId: b1.KeyId })), 'AccessDeniedException', new RegExp(`kms:UpdateAlias on resource: ${red.Arn} `));
    await rejectsWith(blue.send(new DeleteAliasCommand({ AliasName: 'alias/blue-stolen' })), 'AccessDeniedException', new RegExp(`kms:DeleteAlias on resource: ${red.Arn} `));
    // The team's key, an alias that is not the team's.
    await rejectsWith(blue.send(new CreateAliasCommand({ AliasName: 'alias/red-app', TargetKeyId: b1.KeyId })), 'AccessDeniedException', new RegExp(`kms:CreateAlias on resource: ${aliasArn('alias/red-app')} because no identity-based policy allows`));
    assert.equal(await targetOf('alias/red-app'), undefined);
    assert.equal(await targetOf('alias/blue-stolen'), red.KeyId);
    await blue.send(new DeleteAliasCommand({ AliasName: 'alias/blue-app' }));
    assert.equal(await targetOf('alias/blue-app'), undefined);
  });

  test('an alias ARN in Resource is the alias, never the key it points to', async () => {
    const k = await newKey();
    await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/app-2', TargetKeyId: k.KeyId }));
    // ALIASONLY_POLICY allows kms:Encrypt on alias/*: that names alias resources, and Encrypt is authorized on the key.
    await rejectsWith(aliasonly.send(new EncryptCommand({ KeyId: 'alias/app-2', Plaintext: Buffer.from('x') })), 'AccessDeniedException', new RegExp(`kms:Encrypt on resource: ${k.Arn} because no identity-based policy allows`));
  });

  test('UpdateAlias cannot give a key more than 50 aliases', async () => {
    const full = await newKey();
    const other = await newKey();
    for (let i = 0; i < 50; i++) await h.kms.send(new CreateAliasCommand({ AliasName: `alias/full-${i}`, TargetKeyId: full.KeyId }));
    await rejectsWith(h.kms.send(new CreateAliasCommand({ AliasName: 'alias/full-50', TargetKeyId: full.KeyId })), 'LimitExceededException');
    await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/mover', TargetKeyId: other.KeyId }));
    await rejectsWith(h.kms.send(new UpdateAliasCommand({ AliasName: 'alias/mover', TargetKeyId: full.KeyId })), 'LimitExceededException', `Too many aliases for key ${full.Arn}`);
    assert.equal(await targetOf('alias/mover'), other.KeyId);
    // Pointing an alias at the key it already names adds nothing.
    await h.kms.send(new UpdateAliasCommand({ AliasName: 'alias/full-0', TargetKeyId: full.KeyId }));
  });
});

describe('alias condition keys', () => {
  test('kms:RequestAlias: Decrypt whose KeyId is the alias satisfies it; the key id or no KeyId does not', async () => {
    const root = `arn:aws:iam::${ACCT}:root`;
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [
      { Sid: 'AllButDecrypt', Effect: 'Allow', Principal: { AWS: root }, NotAction: 'kms:Decrypt', Resource: '*' },
      { Sid: 'DecryptByAlias', Effect: 'Allow', Principal: { AWS: root }, Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:RequestAlias': 'alias/decrypt-by-alias' } } },
    ] });
    const k = (await h.kms.send(new CreateKeyCommand({ Policy: policy }))).KeyMetadata!;
    await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/decrypt-by-alias', TargetKeyId: k.KeyId }));
    const blob = (await h.kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from('by alias') }))).CiphertextBlob!;
    for (const KeyId of ['alias/decrypt-by-alias', aliasArn('alias/decrypt-by-alias')]) {
      const out = await h.kms.send(new DecryptCommand({ CiphertextBlob: blob, KeyId }));
      assert.equal(Buffer.from(out.Plaintext!).toString(), 'by alias');
    }
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: blob, KeyId: k.KeyId })), 'AccessDeniedException');
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: blob, KeyId: k.Arn })), 'AccessDeniedException');
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: blob })), 'AccessDeniedException');
  });

  test('kms:RequestAlias: DescribeKey, GenerateMac and RSA Decrypt named by the alias satisfy it; by the key id they do not', async () => {
    const root = `arn:aws:iam::${ACCT}:root`;
    const byAlias = (name: string, actions: string[]) => JSON.stringify({ Version: '2012-10-17', Statement: [
      { Sid: 'Admin', Effect: 'Allow', Principal: { AWS: root }, NotAction: actions, Resource: '*' },
      { Sid: 'UseByAlias', Effect: 'Allow', Principal: { AWS: root }, Action: actions, Resource: '*', Condition: { StringEquals: { 'kms:RequestAlias': name } } },
    ] });
    const hmac = (await h.kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Policy: byAlias('alias/mac-by-alias', ['kms:DescribeKey', 'kms:GenerateMac']) }))).KeyMetadata!;
    await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/mac-by-alias', TargetKeyId: hmac.KeyId }));
    assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId: 'alias/mac-by-alias' }))).KeyMetadata!.KeyId, hmac.KeyId);
    await rejectsWith(h.kms.send(new DescribeKeyCommand({ KeyId: hmac.KeyId })), 'AccessDeniedException');
    const mac = { Message: Buffer.from('m'), MacAlgorithm: 'HMAC_SHA_256' as const };
    assert.equal((await h.kms.send(new GenerateMacCommand({ KeyId: aliasArn('alias/mac-by-alias'), ...mac }))).Mac!.length, 32);
    await rejectsWith(h.kms.send(new GenerateMacCommand({ KeyId: hmac.Arn, ...mac })), 'AccessDeniedException');

    const rsa = (await h.kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT', Policy: byAlias('alias/rsa-by-alias', ['kms:Decrypt']) }))).KeyMetadata!;
    await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/rsa-by-alias', TargetKeyId: rsa.KeyId }));
    const oaep = { EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' as const };
    const blob = (await h.kms.send(new EncryptCommand({ KeyId: rsa.KeyId, Plaintext: Buffer.from('rsa'), ...oaep }))).CiphertextBlob!;
    assert.equal(Buffer.from((await h.kms.send(new DecryptCommand({ KeyId: 'alias/rsa-by-alias', CiphertextBlob: blob, ...oaep }))).Plaintext!).toString(), 'rsa');
    await rejectsWith(h.kms.send(new DecryptCommand({ KeyId: rsa.KeyId, CiphertextBlob: blob, ...oaep })), 'AccessDeniedException');
  });

  test('kms:ResourceAliases in a key policy applies to every caller, with or without identity policies', async () => {
    const root = `arn:aws:iam::${ACCT}:root`;
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Principal: { AWS: root }, Action: 'kms:*', Resource: '*' },
      { Sid: 'Frozen', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:Encrypt', Resource: '*', Condition: { 'ForAnyValue:StringLike': { 'kms:ResourceAliases': 'alias/frozen-*' } } },
    ] });
    const k = (await h.kms.send(new CreateKeyCommand({ Policy: policy }))).KeyMetadata!;
    const encrypt = (c: KMSClient) => c.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from('x') }));
    await encrypt(h.kms);
    await encrypt(ops);
    await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/frozen-1', TargetKeyId: k.KeyId }));
    // The account root has no identity policy at all; ops has one that never names the key.
    await rejectsWith(encrypt(h.kms), 'AccessDeniedException', /with an explicit deny in a resource-based policy$/);
    await rejectsWith(encrypt(ops), 'AccessDeniedException', /with an explicit deny in a resource-based policy$/);
    await h.kms.send(new DeleteAliasCommand({ AliasName: 'alias/frozen-1' }));
    await encrypt(h.kms);
  });
});
