import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { AccessKeyRecord, KeyRecord } from '../../domain/types.ts';
import { alias, exerciseKeyStore, fullKey, material, minimalKey, randomAccount, snapshot } from '../conformance/exercise-key-store.ts';
import { MemoryStore } from './memory-store.ts';

exerciseKeyStore('MemoryStore', async () => ({ store: new MemoryStore(), cleanup: async () => {} }));

/** A failed write leaves no trace (Vault's FailPut tests), and the failure is one-shot. */
describe('MemoryStore.failNext', () => {
  async function seeded() {
    const store = new MemoryStore();
    const account = randomAccount();
    const key = fullKey(account);
    const first = material(key.keyId, { materialId: key.currentMaterialId });
    await store.createKey(key, first);
    await store.createAlias(alias(account, 'alias/existing', key.keyId));
    const ak: AccessKeyRecord = { accessKeyId: 'AKIAFAILNEXT00000001', principalArn: 'arn:aws:iam::111122223333:root', accountId: '111122223333', wrappedSecret: new Uint8Array(randomBytes(40)), createdAt: 1 };
    await store.putAccessKey(ak);
    return { store, account, key, ak };
  }
  const next = (k: KeyRecord, over: Partial<KeyRecord> = {}): KeyRecord => ({ ...structuredClone(k), ...over, version: k.version + 1 });

  const cases: Record<string, (s: Awaited<ReturnType<typeof seeded>>) => Promise<unknown>> = {
    createKey: ({ store, account }) => {
      const k = minimalKey(account);
      return store.createKey(k, material(k.keyId, { materialId: k.currentMaterialId }));
    },
    updateKey: ({ store, key }) => store.updateKey(next(key, { description: 'x' }), key.version),
    addMaterial: ({ store, key }) => {
      const m = material(key.keyId, { createdAt: key.createdAt + 1 });
      return store.addMaterial(next(key, { currentMaterialId: m.materialId }), key.version, m);
    },
    putMaterials: ({ store, key }) => {
      const m = material(key.keyId, { createdAt: key.createdAt + 1, imported: { importState: 'IMPORTED', expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE', pendingRotation: true } });
      return store.putMaterials(next(key), key.version, [m]);
    },
    deleteKey: ({ store, key }) => store.deleteKey(key, 1_000),
    createAlias: ({ store, account, key }) => store.createAlias(alias(account, 'alias/new', key.keyId)),
    updateAlias: ({ store, account, key }) => store.updateAlias(alias(account, 'alias/existing', key.keyId, { updatedAt: 99 })),
    deleteAlias: ({ store, account }) => store.deleteAlias(account, 'us-east-1', 'alias/existing'),
    putAccessKey: ({ store, ak }) => store.putAccessKey({ ...ak, principalArn: 'arn:aws:iam::111122223333:user/mallory' }),
  };

  for (const [op, run] of Object.entries(cases)) {
    test(`a failed ${op} leaves no trace; the next ${op} succeeds`, async () => {
      const s = await seeded();
      const everything = async () => ({
        ...((await snapshot(s.store, s.account, [s.key.keyId])) as object),
        keys: await s.store.listKeys(s.account, 'us-east-1', undefined, 100),
        accessKey: await s.store.getAccessKey(s.ak.accessKeyId),
      });
      const before = await everything();
      s.store.failNext(op as Parameters<MemoryStore['failNext']>[0]);
      await assert.rejects(run(s), /injected failure/);
      assert.deepEqual(await everything(), before);
      await run(s);
      assert.notDeepEqual(await everything(), before, `${op} changes something once the failure is spent`);
    });
  }

  test('failNext arms only the named operation', async () => {
    const s = await seeded();
    s.store.failNext('deleteKey');
    await s.store.createAlias(alias(s.account, `alias/${randomUUID()}`, s.key.keyId));
    await assert.rejects(s.store.deleteKey(s.key, 1_000), /injected failure/);
  });
});
