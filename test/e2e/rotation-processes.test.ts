/**
 * Rotation across restarts and processes, on the embedded SQLite store: a restarted Trent
 * neither repeats nor misses a rotation; two processes on one data directory rotate each due key
 * exactly once.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { CreateKeyCommand, EnableKeyRotationCommand, ListKeyRotationsCommand, type KMSClient } from '@aws-sdk/client-kms';
import { rawRequest } from '../support/signed-request.ts';
import { kmsClient, spawnTrent, tempDir, type ChildTrent } from '../support/trent.ts';

const DAY = 86_400;

async function advance(t: ChildTrent, seconds: number) {
  const r = await rawRequest(t.url, t.caPath, { path: '/_trent/clock', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceSeconds: seconds }) });
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body) as { now: string; rotated: string[] };
}

async function setTime(t: ChildTrent, iso: string) {
  const r = await rawRequest(t.url, t.caPath, { path: '/_trent/clock', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ setTime: iso }) });
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body) as { now: string; rotated: string[] };
}

async function rotations(kms: KMSClient, keyId: string): Promise<number> {
  return (await kms.send(new ListKeyRotationsCommand({ KeyId: keyId }))).Rotations!.length;
}

test('kill -9 and restart in the middle: nothing rotated twice, nothing missed', async () => {
  const dir = tempDir();
  try {
    let t = await spawnTrent(['--data-dir', dir, '--clock-control']);
    let kms = kmsClient(t.url, t.caPath);
    const id = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    await kms.send(new EnableKeyRotationCommand({ KeyId: id, RotationPeriodInDays: 90 }));
    assert.deepEqual((await advance(t, 100 * DAY)).rotated, [id]);
    kms.destroy();
    t.proc.kill('SIGKILL');
    await t.exited;

    t = await spawnTrent(['--data-dir', dir, '--clock-control']);
    kms = kmsClient(t.url, t.caPath);
    assert.equal(await rotations(kms, id), 1, 'the rotation survived the crash');
    assert.deepEqual((await advance(t, 10 * DAY)).rotated, [], 'the restarted clock kept its time: day 110 is not due');
    assert.deepEqual((await advance(t, 75 * DAY)).rotated, [id], 'day 185 is past the second due date (day 180)');
    assert.equal(await rotations(kms, id), 2);
    kms.destroy();
    t.proc.kill('SIGTERM');
    await t.exited;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two processes on one data directory advancing together rotate each due key exactly once', async () => {
  const dir = tempDir();
  const a = await spawnTrent(['--data-dir', dir, '--clock-control']);
  const b = await spawnTrent(['--data-dir', dir, '--clock-control']);
  const ka = kmsClient(a.url, a.caPath);
  const kb = kmsClient(b.url, b.caPath);
  try {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const id = (await (i % 2 ? ka : kb).send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
      await (i % 2 ? kb : ka).send(new EnableKeyRotationCommand({ KeyId: id, RotationPeriodInDays: 90 }));
      ids.push(id);
    }
    // The test clock is shared through the store: both processes move it to the same instant.
    const now = JSON.parse((await rawRequest(a.url, a.caPath, { method: 'GET', path: '/_trent/clock', headers: {}, body: '' })).body).now as string;
    const target = new Date(Date.parse(now) + 91 * DAY * 1000).toISOString();
    // A moves the shared clock while B keeps running its due jobs: both schedulers race on the same keys.
    const [ra, ...rbs] = await Promise.all([setTime(a, target), ...[0, 5, 10, 20, 40].map(async (ms) => {
      await new Promise((r) => setTimeout(r, ms));
      return advance(b, 0);
    })]);
    const last = await advance(b, 0);
    const rotated = [...ra.rotated, ...rbs.flatMap((r) => r.rotated), ...last.rotated];
    assert.deepEqual(rotated.sort(), [...ids].sort(), 'each key rotated by exactly one process, once');
    for (const id of ids) {
      assert.equal(await rotations(ka, id), 1);
      assert.equal(await rotations(kb, id), 1);
    }
  } finally {
    ka.destroy();
    kb.destroy();
    a.proc.kill('SIGTERM');
    b.proc.kill('SIGTERM');
    await Promise.all([a.exited, b.exited]);
    rmSync(dir, { recursive: true, force: true });
  }
});
