/** Domain rules without the wire: failed writes leave no half state; reads never mutate. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { systemRng } from '../crypto/rng.ts';
import { FileKeyring } from '../keyring/file-keyring.ts';
import { MemoryStore } from '../storage/memory/memory-store.ts';
import { sameAccountAuthorizer } from './authorizer.ts';
import { Core, type CallContext } from './core.ts';
import { decrypt, encrypt } from './crypto-ops.ts';
import { createKey, disableKey } from './lifecycle.ts';
import { rotateKeyOnDemand } from './rotation.ts';
import { systemClock } from './ports.ts';

function setup() {
  const store = new MemoryStore();
  const core = new Core({ store, keyring: new FileKeyring(systemRng.bytes(32), systemRng), clock: systemClock, rng: systemRng, authorizer: sameAccountAuthorizer, partition: 'aws' });
  const ctx: CallContext = { principal: { arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333', type: 'Root', userId: '111122223333' }, region: 'us-east-1', requestId: 'r' };
  return { store, core, ctx };
}

test('a CreateKey whose write fails leaves no key behind', async () => {
  const { store, core, ctx } = setup();
  store.failNext('createKey');
  await assert.rejects(createKey(core, ctx, {}));
  assert.deepEqual(await store.listKeys('111122223333', 'us-east-1', undefined, 10), []);
});

test('a DisableKey whose write fails leaves the key enabled', async () => {
  const { store, core, ctx } = setup();
  const k = await createKey(core, ctx, {});
  store.failNext('updateKey');
  await assert.rejects(disableKey(core, k));
  assert.equal((await core.resolve(ctx, k.keyId)).state, 'Enabled');
});

test('a rotation whose write fails keeps the old material current and ciphertexts decryptable', async () => {
  const { store, core, ctx } = setup();
  const k = await createKey(core, ctx, {});
  const sealed = await encrypt(core, k, { plaintext: new Uint8Array([1, 2, 3]) });
  store.failNext('addMaterial');
  await assert.rejects(rotateKeyOnDemand(core, k));
  const after = await core.resolve(ctx, k.keyId);
  assert.equal(after.currentMaterialId, k.currentMaterialId);
  assert.equal(after.rotation.onDemandCount, 0);
  assert.equal((await store.listMaterials(k.keyId)).length, 1);
  assert.deepEqual([...(await decrypt(core, ctx, { blob: sealed.blob })).plaintext], [1, 2, 3]);
});

test('reads never change a key (no version bump from Describe/Encrypt/Decrypt)', async () => {
  const { core, ctx } = setup();
  const k = await createKey(core, ctx, {});
  const s = await encrypt(core, k, { plaintext: new Uint8Array([9]) });
  await decrypt(core, ctx, { blob: s.blob });
  await core.resolve(ctx, k.keyId);
  assert.equal((await core.resolve(ctx, k.keyId)).version, k.version);
});
