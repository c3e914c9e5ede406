/**
 * A grant cannot give more than it has. "When a grantee principal gets permission to call
 * CreateGrant from a grant, rather than from a policy, that permission is limited. The grantee
 * principal can only create grants that allow some or all of the operations in the parent grant.
 * The grant constraints in the grants they create must be at least as strict as those in the
 * parent grant" (AWS KMS developer guide, "Creating grants").
 *
 * Every principal here gets its permissions on the key from grants only (the key has the default
 * key policy and none of them has an identity policy), and drives Trent through the SDK with its
 * own signed credentials. A refused CreateGrant is AccessDeniedException and creates nothing.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
  ListGrantsCommand,
  type CreateGrantCommandInput,
  type GrantConstraints,
  type GrantOperation,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { rejectsWith } from '../support/assert-aws.ts';
import { ACCT, OTHER, ALICE, CAROL, BOB, aliceArn, carolArn, bobArn } from '../support/people.ts';
import { startTrent, tempDir, type Harness } from '../support/trent.ts';


let h: Harness;
let alice: KMSClient;
let carol: KMSClient;
let bob: KMSClient;

before(async () => {
  const identities = join(tempDir(), 'identities.json');
  writeFileSync(identities, JSON.stringify({
    accounts: {
      [ACCT]: { principals: [
        { arn: aliceArn, accessKeys: [{ id: ALICE.accessKeyId, secret: ALICE.secretAccessKey }] },
        { arn: carolArn, accessKeys: [{ id: CAROL.accessKeyId, secret: CAROL.secretAccessKey }] },
      ] },
      [OTHER]: { principals: [{ arn: bobArn, accessKeys: [{ id: BOB.accessKeyId, secret: BOB.secretAccessKey }] }] },
    },
  }));
  h = await startTrent({ config: { accountId: ACCT, identitiesFile: identities } });
  alice = h.client(ALICE);
  carol = h.client(CAROL);
  bob = h.client(BOB);
});
after(async () => {
  for (const c of [alice, carol, bob]) c?.destroy();
  await h.stop();
});

async function newKey(): Promise<{ id: string; arn: string }> {
  const md = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
  return { id: md.KeyId!, arn: md.Arn! };
}

/** The account root gives `grantee` a parent grant. */
async function parent(key: { arn: string }, grantee: string, ops: GrantOperation[], constraints?: GrantConstraints) {
  return h.kms.send(new CreateGrantCommand({ KeyId: key.arn, GranteePrincipal: grantee, Operations: ops, ...(constraints ? { Constraints: constraints } : {}) }));
}

async function grantCount(key: { arn: string }): Promise<number> {
  return (await h.kms.send(new ListGrantsCommand({ KeyId: key.arn, Limit: 1000 }))).Grants!.length;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** `who` asks for a child grant that its grant does not cover: refused with AccessDeniedException, and no grant appears. */
async function refused(who: KMSClient, whoArn: string, key: { arn: string }, input: Omit<CreateGrantCommandInput, 'KeyId'>): Promise<void> {
  const before = await grantCount(key);
  await rejectsWith(
    who.send(new CreateGrantCommand({ KeyId: key.arn, ...input })),
    'AccessDeniedException',
    // AWS's wording for a request no policy and no grant allows: a caller of the key's account
    // lacks the identity-based side (the key policy delegates to IAM), another account's caller
    // the resource-based one.
    new RegExp(`^User: ${esc(whoArn)} is not authorized to perform: kms:CreateGrant on resource: ${esc(key.arn)} because no (identity|resource)-based policy allows the kms:CreateGrant action$`),
  );
  assert.equal(await grantCount(key), before, `the refused CreateGrant created nothing: ${JSON.stringify(input)}`);
}

/** `who` asks for a child grant its grant covers: created. */
async function allowed(who: KMSClient, key: { arn: string }, input: Omit<CreateGrantCommandInput, 'KeyId'>): Promise<void> {
  const g = await who.send(new CreateGrantCommand({ KeyId: key.arn, ...input }));
  assert.match(g.GrantId!, /^[0-9a-f]{64}$/);
}

describe('a child grant holds only operations of its parent grant', () => {
  test('[Decrypt, CreateGrant] cannot create a grant with Encrypt, for itself, a colleague, or another account', async () => {
    const key = await newKey();
    await parent(key, aliceArn, ['Decrypt', 'CreateGrant']);
    await refused(alice, aliceArn, key, { GranteePrincipal: aliceArn, Operations: ['Encrypt'] });
    await refused(alice, aliceArn, key, { GranteePrincipal: aliceArn, Operations: ['Decrypt', 'Encrypt'] });
    await refused(alice, aliceArn, key, { GranteePrincipal: carolArn, Operations: ['Encrypt'], RetiringPrincipal: aliceArn });
    await refused(alice, aliceArn, key, { GranteePrincipal: bobArn, Operations: ['Encrypt', 'GenerateDataKey'] });
    await refused(alice, aliceArn, key, { GranteePrincipal: `arn:aws:iam::${OTHER}:root`, Operations: ['ReEncryptFrom'] });
    await refused(alice, aliceArn, key, { GranteePrincipal: aliceArn, Operations: ['DescribeKey'] });
    // The escalation the refused grants would have given: alice still cannot encrypt.
    await rejectsWith(alice.send(new EncryptCommand({ KeyId: key.arn, Plaintext: Buffer.from('x') })), 'AccessDeniedException');
  });

  test('some or all of the parent\'s operations: allowed, for a colleague and for another account, and they work', async () => {
    const key = await newKey();
    await parent(key, aliceArn, ['Encrypt', 'Decrypt', 'CreateGrant']);
    const blob = (await alice.send(new EncryptCommand({ KeyId: key.arn, Plaintext: Buffer.from('shared') }))).CiphertextBlob!;
    await alice.send(new CreateGrantCommand({ KeyId: key.arn, GranteePrincipal: carolArn, Operations: ['Decrypt'] }));
    assert.equal(Buffer.from((await carol.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext!).toString(), 'shared');
    await alice.send(new CreateGrantCommand({ KeyId: key.arn, GranteePrincipal: bobArn, Operations: ['Decrypt', 'CreateGrant'] }));
    assert.equal(Buffer.from((await bob.send(new DecryptCommand({ CiphertextBlob: blob, KeyId: key.arn }))).Plaintext!).toString(), 'shared');
    // A grant's grant is bounded by its own operations, not by its parent's.
    await refused(bob, bobArn, key, { GranteePrincipal: bobArn, Operations: ['Encrypt'] });
    await bob.send(new CreateGrantCommand({ KeyId: key.arn, GranteePrincipal: carolArn, Operations: ['Decrypt'], Name: 'from-bob' }));
  });

  test('a grantee in another account is bounded the same way', async () => {
    const key = await newKey();
    await parent(key, bobArn, ['Decrypt', 'CreateGrant']);
    await refused(bob, bobArn, key, { GranteePrincipal: bobArn, Operations: ['Encrypt'] });
    await refused(bob, bobArn, key, { GranteePrincipal: `arn:aws:iam::${OTHER}:root`, Operations: ['Decrypt', 'GenerateDataKey'] });
    await bob.send(new CreateGrantCommand({ KeyId: key.arn, GranteePrincipal: `arn:aws:iam::${OTHER}:root`, Operations: ['Decrypt'] }));
  });

  test('the grant presented as a GrantToken is bounded the same way', async () => {
    const key = await newKey();
    const g = await parent(key, aliceArn, ['Decrypt', 'CreateGrant']);
    await refused(alice, aliceArn, key, { GranteePrincipal: aliceArn, Operations: ['Encrypt'], GrantTokens: [g.GrantToken!] });
    await alice.send(new CreateGrantCommand({ KeyId: key.arn, GranteePrincipal: carolArn, Operations: ['Decrypt'], GrantTokens: [g.GrantToken!] }));
  });

  test('two parent grants are not pooled: each child must fit within one of them', async () => {
    const key = await newKey();
    await parent(key, aliceArn, ['Decrypt', 'CreateGrant']);
    await parent(key, aliceArn, ['Encrypt', 'CreateGrant']);
    await refused(alice, aliceArn, key, { GranteePrincipal: carolArn, Operations: ['Encrypt', 'Decrypt'] });
    await alice.send(new CreateGrantCommand({ KeyId: key.arn, GranteePrincipal: carolArn, Operations: ['Encrypt'] }));
  });
});

describe("a child grant's constraints are at least as strict as its parent's", () => {
  test('parent EncryptionContextSubset: the child may add pairs or switch to Equals, never drop pairs or go without', async () => {
    const key = await newKey();
    await parent(key, aliceArn, ['Encrypt', 'Decrypt', 'CreateGrant'], { EncryptionContextSubset: { dept: 'IT' } });
    const asks = (c?: GrantConstraints) => ({ GranteePrincipal: carolArn, Operations: ['Encrypt', 'Decrypt'] as GrantOperation[], ...(c ? { Constraints: c } : {}) });
    await refused(alice, aliceArn, key, asks());
    await refused(alice, aliceArn, key, asks({ EncryptionContextSubset: {} }));
    await refused(alice, aliceArn, key, asks({ EncryptionContextSubset: { purpose: 'test' } }));
    await refused(alice, aliceArn, key, asks({ EncryptionContextSubset: { dept: 'HR' } }));
    await refused(alice, aliceArn, key, asks({ EncryptionContextEquals: { purpose: 'test' } }));
    // Stricter or equal, with the pairs in either order: allowed.
    await allowed(alice, key, asks({ EncryptionContextSubset: { dept: 'IT' } }));
    await allowed(alice, key, asks({ EncryptionContextSubset: { dept: 'IT', purpose: 'test' } }));
    await allowed(alice, key, asks({ EncryptionContextSubset: { purpose: 'test', dept: 'IT' } }));
    await allowed(alice, key, asks({ EncryptionContextEquals: { dept: 'IT' } }));
    await allowed(alice, key, asks({ EncryptionContextEquals: { purpose: 'test', dept: 'IT' } }));
    // Carol's grants hold the parent's line: a context without dept=IT is refused to her.
    await rejectsWith(carol.send(new EncryptCommand({ KeyId: key.arn, Plaintext: Buffer.from('x'), EncryptionContext: { purpose: 'test' } })), 'AccessDeniedException');
    await carol.send(new EncryptCommand({ KeyId: key.arn, Plaintext: Buffer.from('x'), EncryptionContext: { purpose: 'test', dept: 'IT' } }));
  });

  test('parent EncryptionContextEquals: only the same context, in either key order, under Equals', async () => {
    const key = await newKey();
    await parent(key, aliceArn, ['Encrypt', 'CreateGrant'], { EncryptionContextEquals: { dept: 'IT', app: 'payroll' } });
    const asks = (c?: GrantConstraints) => ({ GranteePrincipal: carolArn, Operations: ['Encrypt'] as GrantOperation[], ...(c ? { Constraints: c } : {}) });
    await refused(alice, aliceArn, key, asks());
    await refused(alice, aliceArn, key, asks({ EncryptionContextSubset: { dept: 'IT', app: 'payroll' } }));
    await refused(alice, aliceArn, key, asks({ EncryptionContextEquals: { dept: 'IT' } }));
    await refused(alice, aliceArn, key, asks({ EncryptionContextEquals: { dept: 'IT', app: 'payroll', extra: '1' } }));
    await allowed(alice, key, asks({ EncryptionContextEquals: { dept: 'IT', app: 'payroll' } }));
    await allowed(alice, key, asks({ EncryptionContextEquals: { app: 'payroll', dept: 'IT' } }));
  });

  test('parent EncryptionContextEquals {} (only the empty context): a child without a constraint is refused', async () => {
    const key = await newKey();
    await parent(key, aliceArn, ['Encrypt', 'CreateGrant'], { EncryptionContextEquals: {} });
    await refused(alice, aliceArn, key, { GranteePrincipal: carolArn, Operations: ['Encrypt'] });
    await refused(alice, aliceArn, key, { GranteePrincipal: carolArn, Operations: ['Encrypt'], Constraints: { EncryptionContextSubset: { any: 'thing' } } });
    await rejectsWith(carol.send(new EncryptCommand({ KeyId: key.arn, Plaintext: Buffer.from('x'), EncryptionContext: { any: 'thing' } })), 'AccessDeniedException');
    await alice.send(new CreateGrantCommand({ KeyId: key.arn, GranteePrincipal: carolArn, Operations: ['Encrypt'], Constraints: { EncryptionContextEquals: {} } }));
    await carol.send(new EncryptCommand({ KeyId: key.arn, Plaintext: Buffer.from('x') }));
  });
});

describe('CreateGrant permission from a policy is not bounded by grants', () => {
  test('the account root creates any grant on its key', async () => {
    const key = await newKey();
    await parent(key, aliceArn, ['Decrypt', 'CreateGrant'], { EncryptionContextSubset: { dept: 'IT' } });
    await h.kms.send(new CreateGrantCommand({ KeyId: key.arn, GranteePrincipal: aliceArn, Operations: ['Encrypt', 'GenerateDataKey'] }));
    await alice.send(new EncryptCommand({ KeyId: key.arn, Plaintext: Buffer.from('x') }));
  });
});
