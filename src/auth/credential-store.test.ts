/** Access-key lookups with several nodes on one store: expiry is per request, cache entries are bounded in time. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { systemRng } from '../crypto/rng.ts';
import { FileKeyring } from '../keyring/index.ts';
import { MemoryStore } from '../storage/memory/memory-store.ts';
import { CREDENTIAL_CACHE_TTL_MS, CredentialStore } from './credential-store.ts';

test('a node re-reads a record another node replaced once its cache entry is older than the bound', async () => {
  const store = new MemoryStore();
  const keyring = new FileKeyring(systemRng.bytes(32), systemRng);
  let t = 1_000;
  const nodeA = new CredentialStore(store, keyring);
  const nodeB = new CredentialStore(store, keyring, undefined, () => t);
  const root = 'arn:aws:iam::111122223333:root';
  await nodeA.put({ accessKeyId: 'AKIAEXAMPLEROOT00001', secretAccessKey: 'old-secret', principalArn: root, now: 0 });
  assert.equal((await nodeB.lookup('AKIAEXAMPLEROOT00001'))?.secretAccessKey, 'old-secret');
  await nodeA.put({ accessKeyId: 'AKIAEXAMPLEROOT00001', secretAccessKey: 'new-secret', principalArn: root, now: 0 });
  assert.equal((await nodeA.lookup('AKIAEXAMPLEROOT00001'))?.secretAccessKey, 'new-secret', 'the writing node drops its own entry');
  t += CREDENTIAL_CACHE_TTL_MS - 1;
  assert.equal((await nodeB.lookup('AKIAEXAMPLEROOT00001'))?.secretAccessKey, 'old-secret', 'within the bound the cache answers');
  t += 1;
  assert.equal((await nodeB.lookup('AKIAEXAMPLEROOT00001'))?.secretAccessKey, 'new-secret', 'past the bound the store answers');
});

test("a session's expiry is carried by the cached entry, so every node checks it on each request", async () => {
  const store = new MemoryStore();
  const keyring = new FileKeyring(systemRng.bytes(32), systemRng);
  const nodeA = new CredentialStore(store, keyring);
  const nodeB = new CredentialStore(store, keyring, undefined, () => 0);
  const expiresAt = Date.UTC(2026, 0, 1);
  await nodeA.put({ accessKeyId: 'ASIAEXAMPLESESSION01', secretAccessKey: 's', principalArn: 'arn:aws:sts::111122223333:assumed-role/R/s', now: 0, sessionToken: 'tok', expiresAt });
  for (const n of [nodeA, nodeB, nodeB]) {
    const c = await n.lookup('ASIAEXAMPLESESSION01');
    assert.equal(c?.expiresAt?.getTime(), expiresAt);
    assert.equal(c?.sessionToken, 'tok');
  }
});
