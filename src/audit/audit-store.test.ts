/** The service-audited store: every change outside a request waits for its write-ahead entry. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { material, minimalKey, randomAccount } from '../storage/conformance/exercise-key-store.ts';
import { MemoryStore } from '../storage/memory/memory-store.ts';
import { auditedStore } from './audit-store.ts';

function setup(failWrites = false) {
  const inner = new MemoryStore();
  const service: string[] = [];
  const barrier = {
    async serviceWrite(method: string, keyId: string | undefined) {
      if (failWrites) throw new Error('audit down');
      service.push(`${method}:${keyId ?? ''}`);
    },
  };
  const store = auditedStore(inner, barrier);
  return { inner, store, service };
}

test('outside any request (scheduler, start-up), a write gets a service entry first', async () => {
  const { store, service } = setup();
  const key = minimalKey(randomAccount());
  await store.createKey(key, material(key.keyId, { materialId: key.currentMaterialId }));
  await store.getKey(key);
  await store.putMeta('x', 'y'); // store bookkeeping: not a KMS change
  await store.deleteKey(key, 1);
  assert.deepEqual(service, [`createKey:${key.keyId}`, `deleteKey:${key.keyId}`]);
});

test('when the entry cannot be written, the store is never touched', async () => {
  const { inner, store } = setup(true);
  const key = minimalKey(randomAccount());
  await assert.rejects(store.createKey(key, material(key.keyId, { materialId: key.currentMaterialId })), /audit down/);
  assert.equal(await inner.getKey(key), undefined);
});

test('a method the port gains later counts as a write by default', async () => {
  const inner = Object.assign(new MemoryStore(), { async frobnicate(keyId: string) { return `done ${keyId}`; } });
  const seen: string[] = [];
  const store = auditedStore(inner, { serviceWrite: async (m, k) => void seen.push(`${m}:${k}`) }) as typeof inner;
  assert.equal(await store.frobnicate('k1'), 'done k1');
  assert.deepEqual(seen, ['frobnicate:k1']);
});
