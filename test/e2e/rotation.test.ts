/** Rotation and scheduled deletion over time, watched through a clock the test moves. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GetKeyRotationStatusCommand,
  ListAliasesCommand,
  ListKeyRotationsCommand,
  ReEncryptCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { rejectsWith } from '../support/assert-aws.ts';
import { rawRequest } from '../support/signed-request.ts';
import { startTrent, type Harness } from '../support/trent.ts';

let h: Harness;
before(async () => {
  h = await startTrent({ config: { clockControl: true } });
});
after(async () => {
  await h.stop();
});

const DAY = 86_400;

async function moveClock(body: Record<string, unknown>) {
  const r = await rawRequest(h.trent.url, h.trent.caPath, { path: '/_trent/clock', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, body: JSON.parse(r.body) as { now: string; rotated: string[]; deleted: string[]; message?: string } };
}

async function newKey() {
  return (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
}

describe('automatic rotation', () => {
  test('enable (365 days), advance a year: one AUTOMATIC rotation, new material for new ciphertexts, old ones still decrypt', async () => {
    const k = await newKey();
    await h.kms.send(new EnableKeyRotationCommand({ KeyId: k.KeyId }));
    const st = await h.kms.send(new GetKeyRotationStatusCommand({ KeyId: k.KeyId }));
    assert.equal(st.KeyRotationEnabled, true);
    assert.equal(st.RotationPeriodInDays, 365);
    const now = Date.parse((await moveClock({ advanceSeconds: 0 })).body.now);
    const drift = st.NextRotationDate!.getTime() - (now + 365 * DAY * 1000);
    assert.ok(Math.abs(drift) < 60_000, `next rotation ${st.NextRotationDate!.toISOString()} is ${drift} ms from enable + 365 days`);

    const old = await h.kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from('year one') }));
    const oldMat = (await h.kms.send(new DecryptCommand({ CiphertextBlob: old.CiphertextBlob }))).KeyMaterialId;
    assert.equal(oldMat, k.CurrentKeyMaterialId);

    const moved = await moveClock({ advanceSeconds: 364 * DAY });
    assert.deepEqual(moved.body.rotated, []);
    assert.deepEqual((await h.kms.send(new ListKeyRotationsCommand({ KeyId: k.KeyId }))).Rotations, []);
    const moved2 = await moveClock({ advanceSeconds: 2 * DAY });
    assert.deepEqual(moved2.body.rotated, [k.KeyId]);

    const rot = (await h.kms.send(new ListKeyRotationsCommand({ KeyId: k.KeyId }))).Rotations!;
    assert.equal(rot.length, 1);
    assert.equal(rot[0]!.RotationType, 'AUTOMATIC');
    const md = (await h.kms.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata!;
    assert.notEqual(md.CurrentKeyMaterialId, k.CurrentKeyMaterialId);
    assert.equal(rot[0]!.KeyMaterialId, md.CurrentKeyMaterialId);

    const fresh = await h.kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from('year two') }));
    assert.equal((await h.kms.send(new DecryptCommand({ CiphertextBlob: fresh.CiphertextBlob }))).KeyMaterialId, md.CurrentKeyMaterialId);
    const back = await h.kms.send(new DecryptCommand({ CiphertextBlob: old.CiphertextBlob }));
    assert.equal(Buffer.from(back.Plaintext!).toString(), 'year one');
    assert.equal(back.KeyMaterialId, k.CurrentKeyMaterialId);

    // ReEncrypt moves an old ciphertext to the current material.
    const re = await h.kms.send(new ReEncryptCommand({ CiphertextBlob: old.CiphertextBlob, DestinationKeyId: k.KeyId }));
    assert.equal(re.SourceKeyMaterialId, k.CurrentKeyMaterialId);
    assert.equal(re.DestinationKeyMaterialId, md.CurrentKeyMaterialId);
    const next = await h.kms.send(new GetKeyRotationStatusCommand({ KeyId: k.KeyId }));
    assert.ok(next.NextRotationDate!.getTime() > Date.parse(moved2.body.now), `next ${next.NextRotationDate!.toISOString()} after ${moved2.body.now}`);
  });

  test('custom 90-day period; period bounds 90..2560', async () => {
    const k = await newKey();
    await rejectsWith(h.kms.send(new EnableKeyRotationCommand({ KeyId: k.KeyId, RotationPeriodInDays: 89 })), 'ValidationException', "1 validation error detected: Value '89' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value greater than or equal to 90");
    await rejectsWith(h.kms.send(new EnableKeyRotationCommand({ KeyId: k.KeyId, RotationPeriodInDays: 2561 })), 'ValidationException');
    await h.kms.send(new EnableKeyRotationCommand({ KeyId: k.KeyId, RotationPeriodInDays: 90 }));
    await moveClock({ advanceSeconds: 91 * DAY });
    assert.equal((await h.kms.send(new ListKeyRotationsCommand({ KeyId: k.KeyId }))).Rotations!.length, 1);
    await h.kms.send(new DisableKeyRotationCommand({ KeyId: k.KeyId }));
    assert.equal((await h.kms.send(new GetKeyRotationStatusCommand({ KeyId: k.KeyId }))).KeyRotationEnabled, false);
    await moveClock({ advanceSeconds: 200 * DAY });
    assert.equal((await h.kms.send(new ListKeyRotationsCommand({ KeyId: k.KeyId }))).Rotations!.length, 1, 'no rotation while disabled');
  });

  test('a disabled key is refused rotation changes with DisabledException', async () => {
    const k = await newKey();
    await h.kms.send(new DisableKeyCommand({ KeyId: k.KeyId }));
    await rejectsWith(h.kms.send(new EnableKeyRotationCommand({ KeyId: k.KeyId })), 'DisabledException', `${k.Arn} is disabled.`);
    await rejectsWith(h.kms.send(new RotateKeyOnDemandCommand({ KeyId: k.KeyId })), 'DisabledException', `${k.Arn} is disabled.`);
    await h.kms.send(new EnableKeyCommand({ KeyId: k.KeyId }));
  });
});

describe('on-demand rotation', () => {
  test('25 on-demand rotations, then LimitExceededException; the automatic schedule does not move', async () => {
    const k = await newKey();
    await h.kms.send(new EnableKeyRotationCommand({ KeyId: k.KeyId }));
    const before = (await h.kms.send(new GetKeyRotationStatusCommand({ KeyId: k.KeyId }))).NextRotationDate!.getTime();
    const ct = await h.kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from('first') }));
    for (let i = 0; i < 25; i++) {
      const r = await h.kms.send(new RotateKeyOnDemandCommand({ KeyId: k.KeyId }));
      assert.equal(r.KeyId, k.KeyId);
    }
    await rejectsWith(h.kms.send(new RotateKeyOnDemandCommand({ KeyId: k.KeyId })), 'LimitExceededException', `The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: ${k.Arn}`);
    const all: string[] = [];
    let marker: string | undefined;
    do {
      const page = await h.kms.send(new ListKeyRotationsCommand({ KeyId: k.KeyId, Limit: 10, ...(marker ? { Marker: marker } : {}) }));
      for (const r of page.Rotations!) {
        assert.equal(r.RotationType, 'ON_DEMAND');
        all.push(r.KeyMaterialId!);
      }
      marker = page.NextMarker;
    } while (marker);
    assert.equal(new Set(all).size, 25);
    assert.equal((await h.kms.send(new GetKeyRotationStatusCommand({ KeyId: k.KeyId }))).NextRotationDate!.getTime(), before);
    assert.equal(Buffer.from((await h.kms.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob }))).Plaintext!).toString(), 'first');
  });
});

describe('scheduled deletion', () => {
  test('7 days: still pending (and cancellable) after 6, gone after 8 — key, aliases and ciphertexts', async () => {
    const k = await newKey();
    const keep = await newKey();
    await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/short-lived', TargetKeyId: k.KeyId }));
    const ct = await h.kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from('bye') }));
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId, PendingWindowInDays: 7 }));
    await moveClock({ advanceSeconds: 6 * DAY });
    assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata!.KeyState, 'PendingDeletion');
    await h.kms.send(new CancelKeyDeletionCommand({ KeyId: k.KeyId }));
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId, PendingWindowInDays: 7 }));
    await moveClock({ advanceSeconds: 6 * DAY });
    assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata!.KeyState, 'PendingDeletion');
    const moved = await moveClock({ advanceSeconds: 2 * DAY });
    assert.deepEqual(moved.body.deleted, [k.KeyId]);
    await rejectsWith(h.kms.send(new DescribeKeyCommand({ KeyId: k.KeyId })), 'NotFoundException', `Key '${k.Arn}' does not exist`);
    assert.equal((await h.kms.send(new ListAliasesCommand({}))).Aliases!.some((a) => a.AliasName === 'alias/short-lived'), false);
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob })), 'NotFoundException', `Key '${k.Arn}' does not exist`);
    assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId: keep.KeyId }))).KeyMetadata!.KeyState, 'Enabled');
  });
});

describe('the test clock', () => {
  test('refuses to move backwards, and changes nothing when it refuses', async () => {
    const now = (await moveClock({ advanceSeconds: 0 })).body.now;
    const r = await moveClock({ setTime: '2001-01-01T00:00:00Z' });
    assert.equal(r.status, 400);
    assert.equal((await moveClock({ advanceSeconds: 0 })).body.now.slice(0, 15), now.slice(0, 15));
    assert.equal((await moveClock({ advanceSeconds: -5 })).status, 400);
    assert.equal((await moveClock({})).status, 400);
  });

  test('is off unless --clock-control', async () => {
    const plain = await startTrent();
    try {
      const r = await rawRequest(plain.trent.url, plain.trent.caPath, { path: '/_trent/clock', headers: {}, body: '{"advanceSeconds":1}' });
      assert.notEqual(r.status, 200);
    } finally {
      await plain.stop();
    }
  });
});
