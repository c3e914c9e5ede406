/**
 * Authorization comes before every validation that consults stored state. A caller without the
 * permission gets the same AccessDeniedException whether or not the principals its policy or
 * grant names exist, whether or not the alias or key it names exists: otherwise
 * MalformedPolicyDocumentException or NotFoundException would tell anyone which IAM users and
 * roles exist in any account, and which aliases and keys exist. Shape validation (types,
 * lengths, patterns) may still come first, as in AWS.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  ListAliasesCommand,
  PutKeyPolicyCommand,
  ReplicateKeyCommand,
  UpdateAliasCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { rejectsWith } from '../support/assert-aws.ts';
import { startTrent, tempDir, type Harness } from '../support/trent.ts';

const ACCT = '111122223333';
const OTHER = '444455556666';
const NOBODY = { accessKeyId: 'AKIANOBODY0000000001', secretAccessKey: 'nobody-secret-000000000000000000000000000' };
const NOBODY_ARN = `arn:aws:iam::${ACCT}:user/nobody`;
/** A principal that exists (in another account) and one that does not. */
const REAL = `arn:aws:iam::${OTHER}:user/realuser`;
const GHOST = `arn:aws:iam::${OTHER}:user/ghost`;

const policyNaming = (principal: string) => JSON.stringify({ Version: '2012-10-17', Statement: [
  { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*', Resource: '*' },
  { Effect: 'Allow', Principal: { AWS: principal }, Action: 'kms:Decrypt', Resource: '*' },
] });

let h: Harness;
let nobody: KMSClient;

before(async () => {
  const identities = join(tempDir(), 'identities.json');
  writeFileSync(identities, JSON.stringify({ accounts: {
    [ACCT]: { principals: [{ arn: NOBODY_ARN, accessKeys: [{ id: NOBODY.accessKeyId, secret: NOBODY.secretAccessKey }] }] },
    [OTHER]: { principals: [{ arn: REAL }] },
  } }));
  h = await startTrent({ config: { accountId: ACCT, identitiesFile: identities } });
  nobody = h.client(NOBODY);
});
after(async () => {
  nobody?.destroy();
  await h.stop();
});

/** Both calls are refused with AccessDeniedException and the same message. */
async function sameDenial(a: () => Promise<unknown>, b: () => Promise<unknown>, message: string | RegExp): Promise<void> {
  const texts: string[] = [];
  for (const call of [a, b]) {
    await rejectsWith(call(), 'AccessDeniedException', message);
    texts.push(await call().then(() => '', (e: Error) => e.message));
  }
  assert.equal(texts[0], texts[1], 'the two denials must not differ');
}

describe('policies and grants naming principals', () => {
  test('CreateKey with a Policy: AccessDenied whether or not its principals exist; the check still runs for an allowed caller', async () => {
    const denied = `User: ${NOBODY_ARN} is not authorized to perform: kms:CreateKey on resource: * because no identity-based policy allows the kms:CreateKey action`;
    await sameDenial(
      () => nobody.send(new CreateKeyCommand({ Policy: policyNaming(REAL) })),
      () => nobody.send(new CreateKeyCommand({ Policy: policyNaming(GHOST) })),
      denied,
    );
    await rejectsWith(h.kms.send(new CreateKeyCommand({ Policy: policyNaming(GHOST) })), 'MalformedPolicyDocumentException', 'Policy contains a statement with one or more invalid principals.');
    await h.kms.send(new CreateKeyCommand({ Policy: policyNaming(REAL) }));
  });

  test('PutKeyPolicy: AccessDenied whether or not the principals exist', async () => {
    const k = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    await sameDenial(
      () => nobody.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, PolicyName: 'default', Policy: policyNaming(REAL) })),
      () => nobody.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, PolicyName: 'default', Policy: policyNaming(GHOST) })),
      /is not authorized to perform: kms:PutKeyPolicy on resource: /,
    );
    await rejectsWith(h.kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, PolicyName: 'default', Policy: policyNaming(GHOST) })), 'MalformedPolicyDocumentException');
  });

  test('ReplicateKey with a Policy: AccessDenied whether or not the principals exist', async () => {
    const k = (await h.kms.send(new CreateKeyCommand({ MultiRegion: true }))).KeyMetadata!;
    await sameDenial(
      () => nobody.send(new ReplicateKeyCommand({ KeyId: k.KeyId, ReplicaRegion: 'us-west-2', Policy: policyNaming(REAL) })),
      () => nobody.send(new ReplicateKeyCommand({ KeyId: k.KeyId, ReplicaRegion: 'us-west-2', Policy: policyNaming(GHOST) })),
      /is not authorized to perform: kms:ReplicateKey on resource: /,
    );
    await rejectsWith(h.kms.send(new ReplicateKeyCommand({ KeyId: k.KeyId, ReplicaRegion: 'us-west-2', Policy: policyNaming(GHOST) })), 'MalformedPolicyDocumentException');
  });

  test('CreateGrant: AccessDenied whether or not the grantee or retiring principal exists', async () => {
    const k = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    await sameDenial(
      () => nobody.send(new CreateGrantCommand({ KeyId: k.KeyId, GranteePrincipal: REAL, RetiringPrincipal: REAL, Operations: ['Decrypt'] })),
      () => nobody.send(new CreateGrantCommand({ KeyId: k.KeyId, GranteePrincipal: GHOST, RetiringPrincipal: GHOST, Operations: ['Decrypt'] })),
      /is not authorized to perform: kms:CreateGrant on resource: /,
    );
  });
});

describe('aliases and keys named by the request', () => {
  test('UpdateAlias and DeleteAlias: AccessDenied whether or not the alias exists', async () => {
    const k = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/exists', TargetKeyId: k.KeyId }));
    for (const [action, call] of [
      ['kms:UpdateAlias', (name: string) => nobody.send(new UpdateAliasCommand({ AliasName: name, TargetKeyId: k.KeyId }))],
      ['kms:DeleteAlias', (name: string) => nobody.send(new DeleteAliasCommand({ AliasName: name }))],
    ] as const) {
      await rejectsWith(call('alias/exists'), 'AccessDeniedException', `User: ${NOBODY_ARN} is not authorized to perform: ${action} on resource: arn:aws:kms:us-east-1:${ACCT}:alias/exists because no identity-based policy allows the ${action} action`);
      await rejectsWith(call('alias/missing'), 'AccessDeniedException', `User: ${NOBODY_ARN} is not authorized to perform: ${action} on resource: arn:aws:kms:us-east-1:${ACCT}:alias/missing because no identity-based policy allows the ${action} action`);
    }
    // An allowed caller still learns that the alias is missing.
    await rejectsWith(h.kms.send(new DeleteAliasCommand({ AliasName: 'alias/missing' })), 'NotFoundException');
  });

  test('CreateAlias: AccessDenied whether or not the target key exists', async () => {
    const k = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    await sameDenial(
      () => nobody.send(new CreateAliasCommand({ AliasName: 'alias/probe', TargetKeyId: k.KeyId })),
      () => nobody.send(new CreateAliasCommand({ AliasName: 'alias/probe', TargetKeyId: randomUUID() })),
      `User: ${NOBODY_ARN} is not authorized to perform: kms:CreateAlias on resource: arn:aws:kms:us-east-1:${ACCT}:alias/probe because no identity-based policy allows the kms:CreateAlias action`,
    );
  });

  test('ListAliases with KeyId: AccessDenied whether or not the key exists', async () => {
    const k = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    await sameDenial(
      () => nobody.send(new ListAliasesCommand({ KeyId: k.KeyId })),
      () => nobody.send(new ListAliasesCommand({ KeyId: randomUUID() })),
      `User: ${NOBODY_ARN} is not authorized to perform: kms:ListAliases on resource: * because no identity-based policy allows the kms:ListAliases action`,
    );
    await rejectsWith(h.kms.send(new ListAliasesCommand({ KeyId: randomUUID() })), 'NotFoundException');
  });
});
