/**
 * Encryption context keys that differ only by case. AWS compares encryption context keys
 * case-sensitively, so `{"tenant":"alice","TENANT":"bob"}` is a valid context of two pairs; but a
 * condition key name is not case-sensitive, so `kms:EncryptionContext:tenant` names both. Such a
 * condition is evaluated against every colliding value: an Allow holds only if each value
 * satisfies it, a Deny applies if any value does. Each case is tried with the pairs in both
 * orders, as a request may send them either way.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateGrantCommand, CreateKeyCommand, DecryptCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { rejectsWith } from '../support/assert-aws.ts';
import { startTrent, tempDir, type Harness } from '../support/trent.ts';

const ACCT = '123456789012';
const creds = (name: string) => ({ accessKeyId: `AKIA${name.toUpperCase().padEnd(16, '0')}`, secretAccessKey: `${name}-secret-${'0'.repeat(30)}` });
const USERS = ['iambob', 'iamalice', 'kpbob', 'kpalice', 'iamdenied', 'kpdenied', 'grantee'] as const;
const C = Object.fromEntries(USERS.map((u) => [u, creds(u)])) as Record<(typeof USERS)[number], ReturnType<typeof creds>>;
const arn = (u: string) => `arn:aws:iam::${ACCT}:user/${u}`;

const useOnlyFor = (tenant: string) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*', Condition: { StringEquals: { 'kms:EncryptionContext:tenant': tenant } } }],
});
const denyTenantAlice = { StringEquals: { 'kms:EncryptionContext:tenant': 'alice' } };

/** The account root delegates to IAM; kpbob and kpalice are allowed by the key policy itself, kpdenied is allowed everything but alice's tenant. */
const KEY_POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*', Resource: '*' },
    { Sid: 'Bob', Effect: 'Allow', Principal: { AWS: arn('kpbob') }, Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*', Condition: { StringEquals: { 'kms:EncryptionContext:tenant': 'bob' } } },
    { Sid: 'Alice', Effect: 'Allow', Principal: { AWS: arn('kpalice') }, Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*', Condition: { StringEquals: { 'kms:EncryptionContext:tenant': 'alice' } } },
    { Sid: 'Denied', Effect: 'Allow', Principal: { AWS: arn('kpdenied') }, Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*' },
    { Sid: 'FrozenTenant', Effect: 'Deny', Principal: { AWS: arn('kpdenied') }, Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*', Condition: denyTenantAlice },
  ],
};

let h: Harness;
let keyId: string;
const clients = {} as Record<(typeof USERS)[number], KMSClient>;

before(async () => {
  const dir = tempDir();
  const identities = join(dir, 'identities.json');
  const user = (u: string, policies: object[] = []) => ({ arn: arn(u), accessKeys: [{ id: C[u as keyof typeof C].accessKeyId, secret: C[u as keyof typeof C].secretAccessKey }], policies });
  writeFileSync(
    identities,
    JSON.stringify({
      accounts: {
        [ACCT]: {
          principals: [
            user('iambob', [useOnlyFor('bob')]),
            user('iamalice', [useOnlyFor('alice')]),
            user('kpbob'),
            user('kpalice'),
            user('iamdenied', [
              { Version: '2012-10-17', Statement: [
                { Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*' },
                { Effect: 'Deny', Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*', Condition: denyTenantAlice },
              ] },
            ]),
            user('kpdenied'),
            user('grantee'),
          ],
        },
      },
    }),
  );
  h = await startTrent({ config: { accountId: ACCT, identitiesFile: identities } });
  for (const u of USERS) clients[u] = h.client(C[u]);
  keyId = (await h.kms.send(new CreateKeyCommand({ Policy: JSON.stringify(KEY_POLICY) }))).KeyMetadata!.KeyId!;
});
after(async () => {
  for (const u of USERS) clients[u]?.destroy();
  await h?.stop();
});

/** The same two pairs in both JSON orders (the SDK sends an object's keys in insertion order). */
function bothOrders(a: [string, string], b: [string, string]): Record<string, string>[] {
  const one = { [a[0]]: a[1], [b[0]]: b[1] };
  const two = { [b[0]]: b[1], [a[0]]: a[1] };
  assert.notEqual(JSON.stringify(one), JSON.stringify(two));
  return [one, two];
}

const encrypt = (c: KMSClient, ctx: Record<string, string>) => c.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x'), EncryptionContext: ctx }));

const MIXED = [...bothOrders(['tenant', 'alice'], ['TENANT', 'bob']), ...bothOrders(['tenant', 'bob'], ['TENANT', 'alice']), ...bothOrders(['Tenant', 'bob'], ['tenant', 'alice'])];

for (const [variant, bob, alice] of [['the IAM policy', 'iambob', 'iamalice'], ['the key policy', 'kpbob', 'kpalice']] as const) {
  describe(`an Allow in ${variant} on kms:EncryptionContext:tenant`, () => {
    test('a context whose colliding keys hold bob and alice passes for neither', async () => {
      for (const ctx of MIXED) {
        await rejectsWith(encrypt(clients[bob], ctx), 'AccessDeniedException', /is not authorized to perform: kms:Encrypt/);
        await rejectsWith(encrypt(clients[alice], ctx), 'AccessDeniedException', /is not authorized to perform: kms:Encrypt/);
      }
    });

    test('the owner of the tenant still gets in, whatever the key case, and with every colliding value its own', async () => {
      await encrypt(clients[bob], { tenant: 'bob' });
      await encrypt(clients[bob], { TENANT: 'bob' });
      await encrypt(clients[bob], { tenant: 'bob', TENANT: 'bob', other: 'x' });
      await encrypt(clients[alice], { Tenant: 'alice', tenant: 'alice' });
      await rejectsWith(encrypt(clients[bob], { tenant: 'alice' }), 'AccessDeniedException');
    });

    test('Decrypt of a blob made under a colliding context is refused too', async () => {
      for (const ctx of MIXED) {
        const blob = (await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('secret'), EncryptionContext: ctx }))).CiphertextBlob!;
        await rejectsWith(clients[bob].send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: ctx })), 'AccessDeniedException');
        await rejectsWith(clients[alice].send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: ctx })), 'AccessDeniedException');
        assert.equal(Buffer.from((await h.kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: ctx }))).Plaintext!).toString(), 'secret');
      }
    });
  });
}

for (const [variant, user] of [['the IAM policy', 'iamdenied'], ['the key policy', 'kpdenied']] as const) {
  describe(`a Deny in ${variant} on kms:EncryptionContext:tenant = alice`, () => {
    test('applies when any of the colliding values is alice', async () => {
      for (const ctx of MIXED) {
        await rejectsWith(encrypt(clients[user], ctx), 'AccessDeniedException', /with an explicit deny/);
      }
    });

    test('does not apply when none is', async () => {
      await encrypt(clients[user], { tenant: 'bob', TENANT: 'carol' });
      await encrypt(clients[user], { TENANT: 'carol', tenant: 'bob' });
      await rejectsWith(encrypt(clients[user], { TENANT: 'alice' }), 'AccessDeniedException', /with an explicit deny/);
    });
  });
}

describe('a grant constrained to EncryptionContextSubset {"tenant":"bob"}', () => {
  test('is not satisfied by a context that also gives another spelling of tenant another value', async () => {
    const g = await h.kms.send(new CreateGrantCommand({ KeyId: keyId, GranteePrincipal: arn('grantee'), Operations: ['Encrypt', 'Decrypt'], Constraints: { EncryptionContextSubset: { tenant: 'bob' } } }));
    const tokens = { GrantTokens: [g.GrantToken!] };
    const send = (ctx: Record<string, string>) => clients.grantee.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x'), EncryptionContext: ctx, ...tokens }));
    for (const ctx of [...bothOrders(['tenant', 'bob'], ['TENANT', 'alice']), ...bothOrders(['tenant', 'bob'], ['Tenant', 'alice'])]) {
      await rejectsWith(send(ctx), 'AccessDeniedException');
    }
    await send({ tenant: 'bob' });
    await send({ tenant: 'bob', TENANT: 'bob', other: 'x' });
    // Keys are compared exactly: another spelling alone is not the constrained key.
    await rejectsWith(send({ TENANT: 'bob' }), 'AccessDeniedException');
  });
});
