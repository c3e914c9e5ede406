/**
 * Revocation: a replaced bootstrap root key stops working; removing a role or a user from the
 * identities file (SIGHUP) ends its sessions at once on every node sharing the store, including
 * one that has not reloaded and holds the credential cached; `trent credentials revoke` ends a
 * key or session, and `trent credentials list` never prints a secret.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ListKeysCommand } from '@aws-sdk/client-kms';
import { createTrent } from '../../src/app/create-trent.ts';
import { buildConfig } from '../../src/config/config.ts';
import { rejectsWith } from '../support/assert-aws.ts';
import { dropTestDatabase, postgresUrlForTests } from '../support/postgres.ts';
import { run } from '../support/run.ts';
import { assumeRole } from '../support/signed-request.ts';
import { type ChildTrent, kmsClient, ROOT, spawnTrent, tempDir, TEST_ACCOUNT } from '../support/trent.ts';

const INVALID_TOKEN = 'The security token included in the request is invalid.';
type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

async function listKeys(url: string, caPath: string | undefined, creds: Creds): Promise<void> {
  const kms = kmsClient(url, caPath, creds);
  try {
    await kms.send(new ListKeysCommand({}));
  } finally {
    kms.destroy();
  }
}

async function refused(url: string, caPath: string | undefined, creds: Creds): Promise<void> {
  await rejectsWith(listKeys(url, caPath, creds), 'UnrecognizedClientException', INVALID_TOKEN);
}

test('starting with a new TRENT_ROOT_ACCESS_KEY_ID revokes the replaced root key', async () => {
  const dataDir = tempDir();
  const OLD = { accessKeyId: 'AKIAOLDROOTKEY000001', secretAccessKey: 'old-root-secret-0000000000000000000000000' };
  const NEW = { accessKeyId: 'AKIANEWROOTKEY000001', secretAccessKey: 'new-root-secret-0000000000000000000000000' };
  const start = (k: Creds) =>
    createTrent(buildConfig({ dataDir, port: 0, tls: false, accountId: TEST_ACCOUNT }, { TRENT_ROOT_ACCESS_KEY_ID: k.accessKeyId, TRENT_ROOT_SECRET_ACCESS_KEY: k.secretAccessKey }), { log: () => {} });
  try {
    const first = await start(OLD);
    await listKeys(first.url, undefined, OLD);
    await first.close();
    const second = await start(NEW);
    try {
      await listKeys(second.url, undefined, NEW);
      await refused(second.url, undefined, OLD);
      assert.deepEqual(second.credentials.revoked, [OLD.accessKeyId]);
    } finally {
      await second.close();
    }
    // And it stays revoked: a restart with the new key does not bring it back.
    const third = await start(NEW);
    try {
      await refused(third.url, undefined, OLD);
    } finally {
      await third.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

const ALICE = { accessKeyId: 'AKIAALICEREVOKE00001', secretAccessKey: 'alice-revoke-secret-000000000000000000000' };
const BOB = { accessKeyId: 'AKIABOBREVOKE0000001', secretAccessKey: 'bob-revoke-secret-00000000000000000000000' };
const listKeysPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['kms:ListKeys', 'sts:AssumeRole'], Resource: '*' }] };

function identities(o: { withRole: boolean; withAlice: boolean }): string {
  const principals = [
    { arn: `arn:aws:iam::${TEST_ACCOUNT}:user/bob`, accessKeys: [{ id: BOB.accessKeyId, secret: BOB.secretAccessKey }], policies: [listKeysPolicy] },
    ...(o.withAlice ? [{ arn: `arn:aws:iam::${TEST_ACCOUNT}:user/alice`, accessKeys: [{ id: ALICE.accessKeyId, secret: ALICE.secretAccessKey }], policies: [listKeysPolicy] }] : []),
    ...(o.withRole ? [{ arn: `arn:aws:iam::${TEST_ACCOUNT}:role/Ops`, policies: [listKeysPolicy] }] : []),
    { arn: `arn:aws:iam::${TEST_ACCOUNT}:role/Reader`, policies: [listKeysPolicy] },
  ];
  return JSON.stringify({ accounts: { [TEST_ACCOUNT]: { principals } } });
}

async function waitForLine(t: ChildTrent, re: RegExp): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!re.test(t.stdout() + t.stderr())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${re} in:\n${t.stdout()}\n${t.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function stopNode(t: ChildTrent): Promise<void> {
  if (t.proc.exitCode === null && t.proc.signalCode === null) {
    t.proc.kill('SIGTERM');
    await t.exited;
  }
}

/**
 * Two nodes sharing one store (PostgreSQL when it can be had, else one SQLite file in a shared
 * data directory, each node with its own audit directory), each with its own copy of the
 * identities file. Only node A is sent SIGHUP.
 */
test('a role or user removed from the identities file: its sessions are refused at once on every node', async () => {
  const dir = tempDir();
  const url = await postgresUrlForTests();
  const fileA = join(dir, 'identities-a.json');
  const fileB = join(dir, 'identities-b.json');
  writeFileSync(fileA, identities({ withRole: true, withAlice: true }));
  copyFileSync(fileA, fileB);
  const dirA = join(dir, 'a');
  const dirB = url !== undefined ? join(dir, 'b') : dirA;
  const storeArgs = url !== undefined ? ['--store', url] : [];
  const nodes: ChildTrent[] = [];
  try {
    const a = await spawnTrent(['--data-dir', dirA, ...storeArgs, '--identities', fileA, '--node-id', 'node-a', '--audit-dir', join(dir, 'audit-a')]);
    nodes.push(a);
    if (url !== undefined) {
      mkdirSync(dirB, { recursive: true, mode: 0o700 });
      copyFileSync(join(dirA, 'root.key'), join(dirB, 'root.key'));
    }
    const b = await spawnTrent(['--data-dir', dirB, ...storeArgs, '--identities', fileB, '--node-id', 'node-b', '--audit-dir', join(dir, 'audit-b')]);
    nodes.push(b);

    const opsByBob = await assumeRole(a.url, a.caPath, BOB, `arn:aws:iam::${TEST_ACCOUNT}:role/Ops`, 'ops');
    const readerByAlice = await assumeRole(a.url, a.caPath, ALICE, `arn:aws:iam::${TEST_ACCOUNT}:role/Reader`, 'alice');
    const readerByBob = await assumeRole(a.url, a.caPath, BOB, `arn:aws:iam::${TEST_ACCOUNT}:role/Reader`, 'bob');
    // Both nodes accept (and so hold) every session before the change.
    for (const n of [a, b]) for (const s of [opsByBob, readerByAlice, readerByBob]) await listKeys(n.url, n.caPath, s);

    writeFileSync(fileA, identities({ withRole: false, withAlice: false }));
    a.proc.kill('SIGHUP');
    await waitForLine(a, /SIGHUP: identities reloaded/);

    for (const n of [a, b]) {
      await refused(n.url, n.caPath, opsByBob); // its role was removed
      await refused(n.url, n.caPath, readerByAlice); // the user that started it was removed
      await listKeys(n.url, n.caPath, readerByBob); // neither: still valid
    }
  } finally {
    for (const n of nodes) await stopNode(n);
    if (url !== undefined) await dropTestDatabase(url);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('trent credentials list shows keys and sessions without secrets; revoke ends one at once', async () => {
  const dir = tempDir();
  const file = join(dir, 'identities.json');
  writeFileSync(file, identities({ withRole: true, withAlice: true }));
  const dataDir = join(dir, 'data');
  const t = await spawnTrent(['--data-dir', dataDir, '--identities', file]);
  try {
    const session = await assumeRole(t.url, t.caPath, BOB, `arn:aws:iam::${TEST_ACCOUNT}:role/Ops`, 'listed');
    await listKeys(t.url, t.caPath, session);
    const cli = (...args: string[]) => run(process.execPath, [join(ROOT, 'bin/trent.js'), 'credentials', ...args, '--data-dir', dataDir]);

    const listed = await cli('list');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`${session.accessKeyId}\\s+session\\s+.*arn:aws:sts::${TEST_ACCOUNT}:assumed-role/Ops/listed`));
    assert.match(listed.stdout, new RegExp(`AKIATRENTTESTROOT001\\s+bootstrap-root\\s+.*arn:aws:iam::${TEST_ACCOUNT}:root`));
    const json = await cli('list', '--json');
    assert.equal(json.code, 0, json.stderr);
    const rows = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(Object.keys(rows[0]!).sort(), ['accessKeyId', 'created', 'expires', 'kind', 'principalArn']);
    for (const out of [listed.stdout, json.stdout]) {
      for (const secret of [session.secretAccessKey, session.sessionToken, 'trent-test-secret-access-key-0000000000']) assert.ok(!out.includes(secret), 'a secret was printed');
    }

    const revoked = await cli('revoke', session.accessKeyId);
    assert.equal(revoked.code, 0, revoked.stderr);
    await refused(t.url, t.caPath, session);
    assert.doesNotMatch((await cli('list')).stdout, new RegExp(session.accessKeyId));

    const again = await cli('revoke', session.accessKeyId);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no access key or session/);
  } finally {
    await stopNode(t);
    rmSync(dir, { recursive: true, force: true });
  }
});
