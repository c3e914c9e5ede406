/**
 * Regression (found by the crash-consistency suite): RotateKeyOnDemand wrote the new
 * material conditional on the key version it had read, but did not retry when another change to
 * the key (a tag, a policy, the scheduler's automatic rotation) committed in between — the lost
 * race surfaced as KMSInternalException (HTTP 500). It now decides again on the fresh key.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KeyStore } from '../../src/domain/ports.ts';
import { startTrent } from '../support/trent.ts';
import { ok } from './lib/fixtures.ts';
import { WireClient } from './lib/wire-client.ts';

test('RotateKeyOnDemand that loses a race to another change of the key retries on the fresh key', async () => {
  let raw: KeyStore | undefined;
  let race: (() => Promise<void>) | undefined;
  const h = await startTrent({
    tls: false,
    options: {
      // Just before the rotation's conditional write, another writer changes the key.
      wrapStore: (s) => {
        raw = s;
        return new Proxy(s, {
          get(target, prop) {
            const v: unknown = Reflect.get(target, prop, target);
            if (typeof v !== 'function') return v;
            const fn = v as (...a: unknown[]) => Promise<unknown>;
            if (prop !== 'addMaterial') return fn.bind(target);
            return async (...args: unknown[]) => {
              const r = race;
              race = undefined;
              if (r) await r();
              return fn.apply(target, args);
            };
          },
        });
      },
    },
  });
  const client = new WireClient(h.trent.url);
  try {
    const id = ((await ok(client, 'CreateKey', { Description: 'before' })).KeyMetadata as { KeyId: string }).KeyId;
    race = async () => {
      const k = (await raw!.getKey({ keyId: id, region: 'us-east-1' }))!;
      await raw!.updateKey({ ...k, description: 'raced', version: k.version + 1 }, k.version);
    };
    const r = await client.call('RotateKeyOnDemand', { KeyId: id });
    assert.equal(r.status, 200, r.text);
    assert.equal(race, undefined, 'the race happened');
    const rotations = (await ok(client, 'ListKeyRotations', { KeyId: id })).Rotations as unknown[];
    assert.equal(rotations.length, 1, 'rotated once');
    const md = (await ok(client, 'DescribeKey', { KeyId: id })).KeyMetadata as { Description: string };
    assert.equal(md.Description, 'raced', 'the change that won the race is kept');
    // And the new material works.
    const e = await ok(client, 'Encrypt', { KeyId: id, Plaintext: 'aGVsbG8=' });
    assert.equal((await ok(client, 'Decrypt', { CiphertextBlob: e.CiphertextBlob })).Plaintext, 'aGVsbG8=');
  } finally {
    client.close();
    await h.stop();
  }
});
