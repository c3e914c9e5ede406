/**
 * Role trust policies: sts:AssumeRole needs the role's trust policy to trust the caller and, as
 * IAM decides, the caller's identity policy too (same account when the trust policy names only
 * the account; always across accounts). Driven through Trent's STS with real signed requests.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stsRequest } from '../support/signed-request.ts';
import { startTrent, tempDir, TEST_ACCESS_KEY_ID, TEST_SECRET, type Harness } from '../support/trent.ts';

const A = '123456789012';
const B = '999999999999';
const key = (name: string) => ({ accessKeyId: `AKIA${name.toUpperCase().padEnd(16, '0')}`, secretAccessKey: `${name}-secret-000000000000000000000000000000` });
const ALICE = key('alice'); // A, no identity policy
const MALLORY = key('mallory'); // A, may assume anything
const BOB = key('bob'); // B, may assume anything
const BEN = key('ben'); // B, no identity policy
const DENIED = key('denied'); // A, named by the trust policy but denied by its own identity policy

const assumeAny = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] };
const trust = (principal: unknown, extra: Record<string, unknown> = {}) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole', ...extra }] });
const user = (acct: string, name: string, k: { accessKeyId: string; secretAccessKey: string }, policies: unknown[] = []) => ({ arn: `arn:aws:iam::${acct}:user/${name}`, accessKeys: [{ id: k.accessKeyId, secret: k.secretAccessKey }], policies });
const role = (name: string, assumeRolePolicy?: unknown) => ({ arn: `arn:aws:iam::${A}:role/${name}`, ...(assumeRolePolicy ? { assumeRolePolicy } : {}) });
const roleArn = (name: string) => `arn:aws:iam::${A}:role/${name}`;

let h: Harness;
let identitiesFile: string;

before(async () => {
  identitiesFile = join(tempDir(), 'identities.json');
  writeFileSync(
    identitiesFile,
    JSON.stringify({
      accounts: {
        [A]: {
          principals: [
            user(A, 'alice', ALICE),
            user(A, 'mallory', MALLORY, [assumeAny]),
            user(A, 'denied', DENIED, [{ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'sts:AssumeRole', Resource: '*' }] }]),
            role('OnlyAlice', trust({ AWS: `arn:aws:iam::${A}:user/alice` })),
            role('NamesDenied', trust({ AWS: `arn:aws:iam::${A}:user/denied` })),
            role('OwnAccount', trust({ AWS: A })),
            role('NoTrustPolicy'),
            role('TrustsB', trust({ AWS: `arn:aws:iam::${B}:root` })),
            role('TrustsBob', trust({ AWS: `arn:aws:iam::${B}:user/bob` })),
            role('NeedsExternalId', trust({ AWS: `arn:aws:iam::${B}:root` }, { Condition: { StringEquals: { 'sts:ExternalId': 'unguessable-1234' } } })),
            role('OnlyFromTenNet', trust({ AWS: `arn:aws:iam::${A}:user/alice` }, { Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } })),
            role('FromLoopback', trust({ AWS: `arn:aws:iam::${A}:user/alice` }, { Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } } })),
          ],
        },
        [B]: { principals: [user(B, 'bob', BOB, [assumeAny]), user(B, 'ben', BEN)] },
      },
    }),
  );
  h = await startTrent({ config: { accountId: A, identitiesFile } });
});
after(async () => {
  await h.stop();
});

async function assume(creds: { accessKeyId: string; secretAccessKey: string }, role: string, extra: Record<string, string> = {}) {
  return stsRequest(h.trent.url, h.trent.caPath, { Action: 'AssumeRole', RoleArn: role, RoleSessionName: 'sec-test', ...extra }, creds);
}

async function assertDenied(creds: { accessKeyId: string; secretAccessKey: string }, callerArn: string, role: string, extra: Record<string, string> = {}) {
  const r = await assume(creds, role, extra);
  assert.equal(r.status, 403, `${callerArn} → ${role}: ${r.body}`);
  assert.match(r.body, /<Code>AccessDenied<\/Code>/);
  assert.ok(r.body.includes(`<Message>User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${role}</Message>`), r.body);
}

async function assertAllowed(creds: { accessKeyId: string; secretAccessKey: string }, role: string, extra: Record<string, string> = {}) {
  const r = await assume(creds, role, extra);
  assert.equal(r.status, 200, `→ ${role}: ${r.body}`);
  assert.match(r.body, /<AccessKeyId>ASIA/);
}

describe('same account', () => {
  test('a trust policy naming the user lets it assume the role with no identity policy', async () => {
    await assertAllowed(ALICE, roleArn('OnlyAlice'));
  });

  test('a trust policy naming someone else refuses a user whose identity policy allows sts:AssumeRole on *', async () => {
    await assertDenied(MALLORY, `arn:aws:iam::${A}:user/mallory`, roleArn('OnlyAlice'));
  });

  test('a trust policy naming the account needs the identity policy too', async () => {
    await assertDenied(ALICE, `arn:aws:iam::${A}:user/alice`, roleArn('OwnAccount'));
    await assertAllowed(MALLORY, roleArn('OwnAccount'));
  });

  test('a role without a trust policy trusts its own account only (through identity policies)', async () => {
    await assertDenied(ALICE, `arn:aws:iam::${A}:user/alice`, roleArn('NoTrustPolicy'));
    await assertAllowed(MALLORY, roleArn('NoTrustPolicy'));
    await assertAllowed({ accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET }, roleArn('NoTrustPolicy'));
    await assertDenied(BOB, `arn:aws:iam::${B}:user/bob`, roleArn('NoTrustPolicy'));
  });

  test('an explicit Deny in the identity policy wins over a trust policy naming the user', async () => {
    await assertDenied(DENIED, `arn:aws:iam::${A}:user/denied`, roleArn('NamesDenied'));
  });

  test('aws:SourceIp in the trust policy is the caller address', async () => {
    await assertDenied(ALICE, `arn:aws:iam::${A}:user/alice`, roleArn('OnlyFromTenNet'));
    await assertAllowed(ALICE, roleArn('FromLoopback'));
  });
});

describe('cross-account', () => {
  test('works when the trust policy trusts the other account and its identity policy allows', async () => {
    await assertAllowed(BOB, roleArn('TrustsB'));
    await assertAllowed(BOB, roleArn('TrustsBob'));
  });

  test('the trust policy alone is not enough: the caller also needs its own identity policy', async () => {
    await assertDenied(BEN, `arn:aws:iam::${B}:user/ben`, roleArn('TrustsB'));
  });

  test('the identity policy alone is not enough: a role that does not trust the account refuses', async () => {
    await assertDenied(BOB, `arn:aws:iam::${A}:user/bob`.replace(A, B), roleArn('OwnAccount'));
    await assertDenied(BOB, `arn:aws:iam::${B}:user/bob`, roleArn('OnlyAlice'));
  });

  test('sts:ExternalId is the ExternalId parameter: missing or wrong is refused', async () => {
    await assertDenied(BOB, `arn:aws:iam::${B}:user/bob`, roleArn('NeedsExternalId'));
    await assertDenied(BOB, `arn:aws:iam::${B}:user/bob`, roleArn('NeedsExternalId'), { ExternalId: 'guessed-0000' });
    await assertAllowed(BOB, roleArn('NeedsExternalId'), { ExternalId: 'unguessable-1234' });
  });
});

describe('AssumeRole parameters', () => {
  test('a session policy or tags are refused, never silently ignored', async () => {
    const extras: Record<string, string>[] = [{ Policy: JSON.stringify(assumeAny) }, { 'Tags.member.1.Key': 'team', 'Tags.member.1.Value': 'x' }, { SourceIdentity: 'someone' }];
    for (const extra of extras) {
      const r = await assume(ALICE, roleArn('OnlyAlice'), extra);
      assert.equal(r.status, 400, r.body);
      assert.match(r.body, /<Code>ValidationError<\/Code>/);
      assert.match(r.body, /does not support the AssumeRole parameter/);
    }
  });

  test('a malformed ExternalId is a ValidationError', async () => {
    const r = await assume(BOB, roleArn('NeedsExternalId'), { ExternalId: 'x' });
    assert.equal(r.status, 400, r.body);
    assert.match(r.body, /<Code>ValidationError<\/Code>/);
  });
});

/** Starting must fail; a Trent that starts anyway (old code) is stopped so the run can end. */
async function startRejects(o: Parameters<typeof startTrent>[0], message: RegExp) {
  await assert.rejects(
    startTrent(o).then(async (started) => {
      await started.stop();
      return started;
    }),
    message,
  );
}

describe('the identities file', () => {
  test('a trust policy with a Resource, or on a user, is refused with its line', async () => {
    const dir = tempDir();
    const file = join(dir, 'identities.yaml');
    writeFileSync(
      file,
      [
        'accounts:',
        `  "${A}":`,
        '    principals:',
        `      - arn: arn:aws:iam::${A}:role/R`,
        '        assumeRolePolicy:',
        '          Version: "2012-10-17"',
        `          Statement: [{ Effect: Allow, Principal: { AWS: "${A}" }, Action: sts:AssumeRole, Resource: "*" }]`,
        '',
      ].join('\n'),
    );
    await startRejects({ dataDir: join(dir, 'd1'), config: { accountId: A, identitiesFile: file } }, /identities\.yaml:6: .*assumeRolePolicy: .*prohibited field Resource/);
    writeFileSync(file, ['accounts:', `  "${A}":`, '    principals:', `      - arn: arn:aws:iam::${A}:user/u`, `        assumeRolePolicy: { Statement: [{ Effect: Allow, Principal: "*", Action: sts:AssumeRole }] }`, ''].join('\n'));
    await startRejects({ dataDir: join(dir, 'd2'), config: { accountId: A, identitiesFile: file } }, /identities\.yaml:5: .*only roles have a trust policy/);
  });
});
