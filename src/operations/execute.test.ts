/**
 * The domain's decisions at the `execute` level, without the wire: key policy, identity policies,
 * grants, key state, key usage, the service context, and the write-ahead entry, each through the
 * one door every front door uses.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { systemRng } from '../crypto/rng.ts';
import { Core } from '../domain/core.ts';
import { execute, type RequestScope } from '../domain/execute.ts';
import type { Caller, ServiceContext } from '../domain/operation.ts';
import { PolicyAuthorizer } from '../domain/policy-authorizer.ts';
import { systemClock } from '../domain/ports.ts';
import type { Principal } from '../domain/types.ts';
import { FileKeyring } from '../keyring/file-keyring.ts';
import { parseIdentityPolicy } from '../policy/index.ts';
import type { Policy } from '../policy/types.ts';
import { MemoryStore } from '../storage/memory/memory-store.ts';
import { OPERATIONS, type Operation } from './index.ts';

const ACCT = '111122223333';
const root: Principal = { arn: `arn:aws:iam::${ACCT}:root`, accountId: ACCT, type: 'Root', userId: ACCT };
const user = (name: string): Principal => ({ arn: `arn:aws:iam::${ACCT}:user/${name}`, accountId: ACCT, type: 'IAMUser', userId: `AIDA${name.toUpperCase()}` });
const alice = user('alice');
const carol = user('carol');
const S3: ServiceContext = { viaService: 's3.us-east-1.amazonaws.com', invokedBy: 's3.amazonaws.com' };

const b64 = (s: string) => Buffer.from(s).toString('base64');

function setup(identityPolicies: Record<string, object[]> = {}) {
  const store = new MemoryStore();
  const parsed = Object.fromEntries(Object.entries(identityPolicies).map(([arn, docs]) => [arn, docs.map((d) => parseIdentityPolicy(JSON.stringify(d), { partition: 'aws' }))]));
  const authorizer = new PolicyAuthorizer({
    identities: () => ({ policiesFor: (arn: string): Policy[] => parsed[arn] ?? [], knows: () => true }),
    store,
    clock: systemClock,
    partition: 'aws',
  });
  const core = new Core({ store, keyring: new FileKeyring(systemRng.bytes(32), systemRng), clock: systemClock, rng: systemRng, authorizer, partition: 'aws' });
  let n = 0;
  const caller = (principal: Principal, service?: ServiceContext): Caller => ({ principal, region: 'us-east-1', requestId: `r${++n}`, sourceIp: '127.0.0.1', secureTransport: true, ...(service ? { service } : {}) });
  const run = async (op: keyof typeof OPERATIONS, body: object, who: Principal = root, o: { service?: ServiceContext; scope?: RequestScope } = {}) =>
    (await execute(core, OPERATIONS[op] as Operation, body, caller(who, o.service), o.scope)).output as Record<string, unknown>;
  return { store, core, run, caller };
}

/** A key policy: the account (so IAM policies may delegate) plus `statements`. */
function policy(...statements: object[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*', Resource: '*' }, ...statements],
  });
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
  return 'OK';
}

test('the key policy and identity policies decide; the key is one of the request resources whether allowed or denied', async () => {
  const t = setup({ [alice.arn]: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*' }] }] });
  const { KeyMetadata } = (await t.run('CreateKey', { Policy: policy() })) as { KeyMetadata: { KeyId: string; Arn: string } };
  const allowed = await t.run('Encrypt', { KeyId: KeyMetadata.KeyId, Plaintext: b64('hi') }, alice);
  assert.equal(allowed.KeyId, KeyMetadata.Arn);
  // carol has no identity policy and the key policy names only the account.
  const scope: RequestScope = { touched: new Map(), beforeWrite: async () => undefined };
  assert.equal(await codeOf(t.run('Encrypt', { KeyId: KeyMetadata.KeyId, Plaintext: b64('hi') }, carol, { scope })), 'AccessDeniedException');
  assert.deepEqual([...scope.touched.values()].map((k) => k.arn), [KeyMetadata.Arn]);
  // alice may encrypt, not decrypt.
  const blob = allowed.CiphertextBlob as Uint8Array;
  assert.equal(await codeOf(t.run('Decrypt', { CiphertextBlob: Buffer.from(blob).toString('base64') }, alice)), 'AccessDeniedException');
});

test('a grant allows what its operations and constraints allow, no more', async () => {
  const t = setup();
  const { KeyMetadata } = (await t.run('CreateKey', {})) as { KeyMetadata: { KeyId: string } };
  const sealed = await t.run('Encrypt', { KeyId: KeyMetadata.KeyId, Plaintext: b64('pet record'), EncryptionContext: { app: 'pets' } });
  const blob = Buffer.from(sealed.CiphertextBlob as Uint8Array).toString('base64');
  assert.equal(await codeOf(t.run('Decrypt', { CiphertextBlob: blob, EncryptionContext: { app: 'pets' } }, carol)), 'AccessDeniedException');
  await t.run('CreateGrant', { KeyId: KeyMetadata.KeyId, GranteePrincipal: carol.arn, Operations: ['Decrypt'], Constraints: { EncryptionContextSubset: { app: 'pets' } } });
  const opened = await t.run('Decrypt', { CiphertextBlob: blob, EncryptionContext: { app: 'pets' } }, carol);
  assert.equal(Buffer.from(opened.Plaintext as Uint8Array).toString(), 'pet record');
  // Outside the grant's constraint, and for an operation it does not hold: denied.
  const other = await t.run('Encrypt', { KeyId: KeyMetadata.KeyId, Plaintext: b64('x'), EncryptionContext: { app: 'billing' } });
  assert.equal(await codeOf(t.run('Decrypt', { CiphertextBlob: Buffer.from(other.CiphertextBlob as Uint8Array).toString('base64'), EncryptionContext: { app: 'billing' } }, carol)), 'AccessDeniedException');
  assert.equal(await codeOf(t.run('Encrypt', { KeyId: KeyMetadata.KeyId, Plaintext: b64('x'), EncryptionContext: { app: 'pets' } }, carol)), 'AccessDeniedException');
});

test('key state and key usage are checked after authorization, with AWS errors', async () => {
  const t = setup();
  const { KeyMetadata: sym } = (await t.run('CreateKey', {})) as { KeyMetadata: { KeyId: string; Arn: string } };
  const { KeyMetadata: signing } = (await t.run('CreateKey', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })) as { KeyMetadata: { KeyId: string; Arn: string } };
  await assert.rejects(t.run('Encrypt', { KeyId: signing.KeyId, Plaintext: b64('x') }), { code: 'InvalidKeyUsageException', message: `${signing.Arn} key usage is SIGN_VERIFY which is not valid for Encrypt.` });
  await t.run('DisableKey', { KeyId: sym.KeyId });
  await assert.rejects(t.run('Encrypt', { KeyId: sym.KeyId, Plaintext: b64('x') }), { code: 'DisabledException', message: `${sym.Arn} is disabled.` });
  // Authorization first: a caller without access learns nothing of the key's state.
  assert.equal(await codeOf(t.run('Encrypt', { KeyId: sym.KeyId, Plaintext: b64('x') }, carol)), 'AccessDeniedException');
  await t.run('ScheduleKeyDeletion', { KeyId: sym.KeyId, PendingWindowInDays: 7 });
  await assert.rejects(t.run('GenerateDataKey', { KeyId: sym.KeyId, KeySpec: 'AES_256' }), { code: 'KMSInvalidStateException', message: `${sym.Arn} is pending deletion.` });
  // Describe is allowed in every state.
  assert.equal(((await t.run('DescribeKey', { KeyId: sym.KeyId })) as { KeyMetadata: { KeyState: string } }).KeyMetadata.KeyState, 'PendingDeletion');
});

test('kms:ViaService holds only for calls made through a service context, which only Trent sets', async () => {
  const t = setup();
  const { KeyMetadata } = (await t.run('CreateKey', {
    Policy: policy({ Sid: 'ThroughS3', Effect: 'Allow', Principal: { AWS: carol.arn }, Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: '*', Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } } }),
  })) as { KeyMetadata: { KeyId: string } };
  assert.equal(await codeOf(t.run('GenerateDataKey', { KeyId: KeyMetadata.KeyId, KeySpec: 'AES_256' }, carol)), 'AccessDeniedException');
  const dk = await t.run('GenerateDataKey', { KeyId: KeyMetadata.KeyId, KeySpec: 'AES_256' }, carol, { service: S3 });
  assert.equal((dk.Plaintext as Uint8Array).length, 32);
  // A service of another Region does not match.
  assert.equal(await codeOf(t.run('GenerateDataKey', { KeyId: KeyMetadata.KeyId, KeySpec: 'AES_256' }, carol, { service: { ...S3, viaService: 's3.eu-west-1.amazonaws.com' } })), 'AccessDeniedException');
});

test('an operation that may write makes its write-ahead entry durable first; one that cannot, never asks', async () => {
  const t = setup();
  const { KeyMetadata } = (await t.run('CreateKey', {})) as { KeyMetadata: { KeyId: string } };
  let entries = 0;
  const scope = (fail = false): RequestScope => ({
    touched: new Map(),
    beforeWrite: async () => {
      entries++;
      if (fail) throw new Error('audit device failed');
    },
  });
  await t.run('Encrypt', { KeyId: KeyMetadata.KeyId, Plaintext: b64('x') }, root, { scope: scope() });
  await t.run('DescribeKey', { KeyId: KeyMetadata.KeyId }, root, { scope: scope() });
  assert.equal(entries, 0);
  await t.run('DisableKey', { KeyId: KeyMetadata.KeyId }, root, { scope: scope() });
  assert.equal(entries, 1);
  // The entry cannot be made durable: the change is never attempted.
  await assert.rejects(t.run('EnableKey', { KeyId: KeyMetadata.KeyId }, root, { scope: scope(true) }), /audit device failed/);
  assert.equal(((await t.run('DescribeKey', { KeyId: KeyMetadata.KeyId })) as { KeyMetadata: { KeyState: string } }).KeyMetadata.KeyState, 'Disabled');
  // A denied write asks for no entry: authorization comes first.
  const before = entries;
  assert.equal(await codeOf(t.run('EnableKey', { KeyId: KeyMetadata.KeyId }, carol, { scope: scope() })), 'AccessDeniedException');
  assert.equal(entries, before);
});

test('input is validated before anything is looked up', async () => {
  const t = setup();
  const scope: RequestScope = { touched: new Map(), beforeWrite: async () => assert.fail('no write') };
  await assert.rejects(t.run('Encrypt', { KeyId: 'alias/none', Plaintext: '' }, root, { scope }), { code: 'ValidationException' });
  assert.equal(scope.touched.size, 0);
});

test('every declaration carries the name it is served under', () => {
  for (const [name, op] of Object.entries(OPERATIONS)) assert.equal(op.name, name);
});
