/**
 * Two Trent processes on one PostgreSQL behave as one Trent: what one node writes, the other
 * sees on its next request; races between them have one winner; killing one loses no
 * acknowledged write; scheduled jobs run once; a node with another root key refuses to start.
 * Each node has its own data directory holding a copy of the same root.key, as in the README.
 */
import assert from 'node:assert/strict';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListKeyRotationsCommand,
  ListKeysCommand,
  PutKeyPolicyCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { rejectsWith } from '../support/assert-aws.ts';
import { dropTestDatabase, postgresOrSkip, postgresUrlForTests } from '../support/postgres.ts';
import { run } from '../support/run.ts';
import { rawRequest } from '../support/signed-request.ts';
import { kmsClient, ROOT, spawnTrent, tempDir, TEST_ACCESS_KEY_ID, TEST_ACCOUNT, TEST_SECRET, type ChildTrent } from '../support/trent.ts';

interface Node {
  t: ChildTrent;
  kms: KMSClient;
  dataDir: string;
}

interface Pair {
  a: Node;
  b: Node;
  stop(): Promise<void>;
}

/**
 * Node A on a fresh data directory (it creates root.key), then node B on another directory with
 * a copy of A's root.key — both on `url`.
 */
async function startPair(url: string, extra: string[] = []): Promise<Pair> {
  const dirs = [tempDir('trent-node-a-'), tempDir('trent-node-b-')] as const;
  const nodes: Node[] = [];
  const stop = async () => {
    for (const n of nodes) {
      n.kms.destroy();
      if (n.t.proc.exitCode === null && n.t.proc.signalCode === null) {
        n.t.proc.kill('SIGTERM');
        await n.t.exited;
      }
    }
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  };
  try {
    for (const [i, dir] of dirs.entries()) {
      if (i === 1) copyFileSync(join(dirs[0], 'root.key'), join(dir, 'root.key'));
      const t = await spawnTrent(['--data-dir', dir, '--store', url, ...extra]);
      nodes.push({ t, kms: kmsClient(t.url, t.caPath), dataDir: dir });
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { a: nodes[0]!, b: nodes[1]!, stop };
}

interface ClockAnswer {
  now: string;
  rotated: string[];
  deleted: string[];
}

async function clock(n: Node, body?: Record<string, unknown>): Promise<ClockAnswer> {
  const r = await rawRequest(n.t.url, n.t.caPath, {
    method: body ? 'POST' : 'GET',
    path: '/_trent/clock',
    headers: { 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : '',
  });
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body) as ClockAnswer;
}

const text = (b: Uint8Array | undefined) => Buffer.from(b!).toString();

/** Polls `cond` until it holds; fails after `ms` instead of hanging the suite. */
async function waitFor(what: string, cond: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const url = await postgresOrSkip('two Trent nodes on one PostgreSQL');
if (url !== undefined) registerTests(url);

function registerTests(dbUrl: string): void {
  describe('two nodes on one PostgreSQL', () => {
    let pair: Pair;
    let a: Node;
    let b: Node;
    before(async () => {
      // The scheduler only runs when a test moves the clock: no background run to race with.
      pair = await startPair(dbUrl, ['--clock-control', '--scheduler-interval', '3600']);
      ({ a, b } = pair);
    });
    after(async () => {
      await pair?.stop();
      await dropTestDatabase(dbUrl);
    });

    test('a key created on A encrypts on B at once, and each node decrypts the other\'s ciphertexts', async () => {
      const key = (await a.kms.send(new CreateKeyCommand({ Description: 'made on A' }))).KeyMetadata!;
      await a.kms.send(new CreateAliasCommand({ AliasName: 'alias/shared', TargetKeyId: key.KeyId }));
      const onB = await b.kms.send(new EncryptCommand({ KeyId: 'alias/shared', Plaintext: Buffer.from('from B'), EncryptionContext: { n: 'b' } }));
      assert.equal(onB.KeyId, key.Arn);
      const onA = await a.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('from A') }));
      assert.equal(text((await a.kms.send(new DecryptCommand({ CiphertextBlob: onB.CiphertextBlob, EncryptionContext: { n: 'b' } }))).Plaintext), 'from B');
      assert.equal(text((await b.kms.send(new DecryptCommand({ CiphertextBlob: onA.CiphertextBlob }))).Plaintext), 'from A');
      assert.deepEqual((await b.kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata, key);
    });

    test('DisableKey / EnableKey on A are seen by B on its next request', async () => {
      const key = (await a.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
      const ct = (await b.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('x') }))).CiphertextBlob;
      for (let i = 0; i < 3; i++) {
        await a.kms.send(new DisableKeyCommand({ KeyId: key.KeyId }));
        await rejectsWith(b.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('x') })), 'DisabledException', `${key.Arn} is disabled.`);
        await rejectsWith(b.kms.send(new DecryptCommand({ CiphertextBlob: ct })), 'DisabledException');
        await a.kms.send(new EnableKeyCommand({ KeyId: key.KeyId }));
        await b.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('x') }));
      }
    });

    test('RotateKeyOnDemand on A: B encrypts with the new material on its next request and still decrypts the old', async () => {
      const key = (await a.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
      const old = await b.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('old') }));
      await a.kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId }));
      const current = (await a.kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata!.CurrentKeyMaterialId!;
      assert.notEqual(current, key.CurrentKeyMaterialId);
      const fresh = await b.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('new') }));
      assert.equal((await a.kms.send(new DecryptCommand({ CiphertextBlob: fresh.CiphertextBlob }))).KeyMaterialId, current);
      const back = await b.kms.send(new DecryptCommand({ CiphertextBlob: old.CiphertextBlob }));
      assert.equal(text(back.Plaintext), 'old');
      assert.equal(back.KeyMaterialId, key.CurrentKeyMaterialId);
    });

    test('PutKeyPolicy on A is what B answers on its next request', async () => {
      const key = (await a.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
      const policy = JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
          { Sid: 'Marker', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` }, Action: 'kms:Decrypt', Resource: '*' },
        ],
      });
      await b.kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default' }));
      await a.kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default', Policy: policy }));
      assert.equal((await b.kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default' }))).Policy, policy);
    });

    test('ScheduleKeyDeletion on A is seen by B at once; CancelKeyDeletion on B is seen by A', async () => {
      const key = (await a.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
      await b.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('x') }));
      await a.kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 7 }));
      assert.equal((await b.kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata!.KeyState, 'PendingDeletion');
      await rejectsWith(b.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('x') })), 'KMSInvalidStateException', `${key.Arn} is pending deletion.`);
      await b.kms.send(new CancelKeyDeletionCommand({ KeyId: key.KeyId }));
      assert.equal((await a.kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata!.KeyState, 'Disabled');
    });

    test('concurrent CreateAlias of one name on both nodes: exactly one succeeds, the other is AlreadyExistsException', async () => {
      const [k1, k2] = [(await a.kms.send(new CreateKeyCommand({}))).KeyMetadata!, (await b.kms.send(new CreateKeyCommand({}))).KeyMetadata!];
      for (let i = 0; i < 10; i++) {
        const name = `alias/race-${i}`;
        const results = await Promise.allSettled([
          a.kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: k1.KeyId })),
          b.kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: k2.KeyId })),
        ]);
        const won = results.findIndex((r) => r.status === 'fulfilled');
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, `round ${i}: exactly one CreateAlias succeeds`);
        const lost = results[1 - won] as PromiseRejectedResult;
        assert.equal((lost.reason as Error).name, 'AlreadyExistsException', String(lost.reason));
        assert.equal((lost.reason as Error).message, `An alias with the name arn:aws:kms:us-east-1:${TEST_ACCOUNT}:${name} already exists`);
        const target = (await b.kms.send(new DescribeKeyCommand({ KeyId: name }))).KeyMetadata!.KeyId;
        assert.equal(target, won === 0 ? k1.KeyId : k2.KeyId, 'the alias points where the winner said');
      }
    });

    test('the test clock is the store\'s: with both nodes running due jobs at once, each due key is rotated, or deleted, exactly once', async (t) => {
      const keys: string[] = [];
      for (let i = 0; i < 12; i++) {
        const n = i % 2 === 0 ? a : b;
        const k = (await n.kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
        await n.kms.send(new EnableKeyRotationCommand({ KeyId: k }));
        keys.push(k);
      }
      const nextDates = await Promise.all(keys.map(async (k) => (await a.kms.send(new GetKeyRotationStatusCommand({ KeyId: k }))).NextRotationDate!.getTime()));

      /**
       * Moves the shared clock (through A) to just before `dueAt`, checks nothing ran, lets real
       * time make everything due, then has both nodes run their due jobs at the same moment.
       */
      const raceAt = async (dueAt: number) => {
        const early = await clock(a, { setTime: new Date(dueAt - 1500).toISOString() });
        assert.deepEqual([early.rotated, early.deleted], [[], []], 'nothing is due yet');
        const onB = Date.parse((await clock(b)).now);
        assert.ok(onB >= dueAt - 1500 && onB < dueAt, `B tells A's time: ${new Date(onB).toISOString()}`);
        await new Promise((r) => setTimeout(r, 1700));
        const [ra, rb] = await Promise.all([clock(a, { advanceSeconds: 0 }), clock(b, { advanceSeconds: 0 })]);
        return { rotated: [...ra.rotated, ...rb.rotated], deleted: [...ra.deleted, ...rb.deleted], counts: `A ${ra.rotated.length + ra.deleted.length}, B ${rb.rotated.length + rb.deleted.length}` };
      };

      const rot = await raceAt(Math.max(...nextDates));
      assert.deepEqual([...rot.rotated].sort(), [...keys].sort(), `each due key rotated exactly once across the nodes (${rot.counts})`);
      t.diagnostic(`rotations run by ${rot.counts}`);
      for (const [i, k] of keys.entries()) {
        const list = (await (i % 2 === 0 ? b : a).kms.send(new ListKeyRotationsCommand({ KeyId: k }))).Rotations!;
        assert.deepEqual(list.map((r) => r.RotationType), ['AUTOMATIC'], `key ${k}: one AUTOMATIC rotation`);
      }

      // Deletions scheduled on B, some cancelled on A: run once, and never undo a cancellation.
      const doomed = keys.slice(0, 8);
      const deletionDates: number[] = [];
      for (const k of doomed) deletionDates.push((await b.kms.send(new ScheduleKeyDeletionCommand({ KeyId: k, PendingWindowInDays: 7 }))).DeletionDate!.getTime());
      const saved = doomed.slice(0, 2);
      for (const k of saved) await a.kms.send(new CancelKeyDeletionCommand({ KeyId: k }));
      const del = await raceAt(Math.max(...deletionDates));
      assert.deepEqual([...del.deleted].sort(), doomed.slice(2).sort(), `each due deletion ran exactly once across the nodes (${del.counts})`);
      t.diagnostic(`deletions run by ${del.counts}`);
      for (const k of doomed.slice(2)) await rejectsWith(a.kms.send(new DescribeKeyCommand({ KeyId: k })), 'NotFoundException');
      for (const k of saved) assert.equal((await b.kms.send(new DescribeKeyCommand({ KeyId: k }))).KeyMetadata!.KeyState, 'Disabled');

      // A key created on B now is dated by the shared clock, not by B's own.
      const now = Date.parse((await clock(a)).now);
      const late = (await b.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
      assert.ok(Math.abs(late.CreationDate!.getTime() - now) < 60_000, `created ${late.CreationDate!.toISOString()} on a clock at ${new Date(now).toISOString()}`);
    });

    test('a node started with a different root key refuses to start, saying why', async () => {
      const other = tempDir('trent-node-wrong-');
      try {
        const r = await run(process.execPath, [join(ROOT, 'bin/trent.js'), 'serve', '--port', '0', '--data-dir', other, '--store', dbUrl], {
          env: { ...process.env, TRENT_ROOT_ACCESS_KEY_ID: TEST_ACCESS_KEY_ID, TRENT_ROOT_SECRET_ACCESS_KEY: TEST_SECRET },
          timeoutMs: 30_000,
        });
        assert.notEqual(r.code, 0, `exit code ${r.code}`);
        assert.match(r.stderr, /the root key in \S+root\.key is not the one the store at postgres:\/\/\S+ was created with; refusing to start/);
        assert.match(r.stderr, /copy root\.key from a node already using this store/);
        assert.doesNotMatch(r.stdout, /^ready$/m);
        assert.doesNotMatch(r.stderr, /\n\s+at /, 'a message, not a stack trace');
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
      // The running nodes are untouched.
      await b.kms.send(new ListKeysCommand({}));
    });
  });

  describe('kill -9 of one node during a write load', () => {
    test('loses no acknowledged write: every acknowledged key exists and every acknowledged ciphertext decrypts on the other node', async (t) => {
      const db = (await postgresUrlForTests())!;
      const pair = await startPair(db);
      const { a, b } = pair;
      try {
        interface Ack {
          keyId: string;
          ct?: Uint8Array;
          pt: string;
        }
        const acked: Ack[] = [];
        const errorsOnB: unknown[] = [];
        let stopB = false;
        let seq = 0;
        // Several clients per node, each its own connection pool: CreateKey, then Encrypt under it.
        const loop = async (n: Node, onError: (e: unknown) => boolean) => {
          const kms = kmsClient(n.t.url, n.t.caPath);
          try {
            for (;;) {
              if (n === b && stopB) return;
              const pt = `payload-${seq++}`;
              let ack: Ack | undefined;
              try {
                ack = { keyId: (await kms.send(new CreateKeyCommand({ Description: pt }))).KeyMetadata!.KeyId!, pt };
                acked.push(ack);
                ack.ct = (await kms.send(new EncryptCommand({ KeyId: ack.keyId, Plaintext: Buffer.from(pt) }))).CiphertextBlob;
              } catch (e) {
                if (onError(e)) return;
              }
            }
          } finally {
            kms.destroy();
          }
        };
        const onA = Array.from({ length: 4 }, () => loop(a, () => true)); // A dies: its clients stop at the first failure
        const onB = Array.from({ length: 2 }, () => loop(b, (e) => (errorsOnB.push(e), true)));
        await waitFor('80 acknowledged keys', () => acked.length >= 80);
        a.t.proc.kill('SIGKILL');
        await a.t.exited;
        await Promise.all(onA);
        const atKill = acked.length;
        try {
          await waitFor('20 more acknowledged keys on B', () => acked.length >= atKill + 20 || errorsOnB.length > 0);
        } finally {
          stopB = true;
        }
        await Promise.all(onB);
        assert.deepEqual(errorsOnB, [], 'the surviving node served its clients throughout');

        let decrypted = 0;
        for (const ack of acked) {
          const md = (await b.kms.send(new DescribeKeyCommand({ KeyId: ack.keyId }))).KeyMetadata!;
          assert.equal(md.Description, ack.pt);
          assert.equal(md.KeyState, 'Enabled');
          if (ack.ct) {
            assert.equal(text((await b.kms.send(new DecryptCommand({ CiphertextBlob: ack.ct }))).Plaintext), ack.pt);
            decrypted++;
          }
        }
        assert.ok(decrypted >= acked.length - 4, `${decrypted} of ${acked.length} acknowledged keys have an acknowledged ciphertext`);
        // Nothing half-written: every key in the store, acknowledged or not, is whole and usable.
        const listed = (await b.kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys!;
        assert.ok(listed.length >= acked.length);
        for (const k of listed) await b.kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from('whole') }));
        t.diagnostic(`${acked.length} acknowledged keys (${atKill} before the kill), ${decrypted} acknowledged ciphertexts; ${listed.length - acked.length} keys created but not acknowledged`);
      } finally {
        await pair.stop();
        await dropTestDatabase(db);
      }
    });
  });
}
