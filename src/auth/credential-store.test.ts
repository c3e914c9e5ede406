/** Access-key lookups with several nodes on one store: expiry, replacement and revocation are seen on the next request. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { systemRng } from '../crypto/rng.ts';
import { FileKeyring } from '../keyring/index.ts';
import { MemoryStore } from '../storage/memory/memory-store.ts';
import { CredentialStore } from './credential-store.ts';

test('a node sees a record another node replaced or revoked on its very next lookup', async () => {
  const store = new MemoryStore();
  const keyring = new FileKeyring(systemRng.bytes(32), systemRng);
  const nodeA = new CredentialStore(store, keyring);
  const nodeB = new CredentialStore(store, keyring);
  const root = 'arn:aws:iam::111122223333:root';
  await nodeA.put({ accessKeyId: 'AKIAEXAMPLEROOT00001', secretAccessKey: 'old-secret', principalArn: root, now: 0 });
  const first = await nodeB.lookup('AKIAEXAMPLEROOT00001');
  assert.equal(first?.secretAccessKey, 'old-secret');
  assert.equal(await nodeB.lookup('AKIAEXAMPLEROOT00001'), first, 'an unchanged record answers with the same cached object');
  await nodeA.put({ accessKeyId: 'AKIAEXAMPLEROOT00001', secretAccessKey: 'new-secret', principalArn: root, now: 0 });
  assert.equal((await nodeB.lookup('AKIAEXAMPLEROOT00001'))?.secretAccessKey, 'new-secret');
  assert.equal(await nodeA.revoke('AKIAEXAMPLEROOT00001'), true);
  assert.equal(await nodeB.lookup('AKIAEXAMPLEROOT00001'), undefined);
});

test("a session's expiry is carried by the cached entry, so every node checks it on each request", async () => {
  const store = new MemoryStore();
  const keyring = new FileKeyring(systemRng.bytes(32), systemRng);
  const nodeA = new CredentialStore(store, keyring);
  const nodeB = new CredentialStore(store, keyring);
  const expiresAt = Date.UTC(2026, 0, 1);
  await nodeA.put({ accessKeyId: 'ASIAEXAMPLESESSION01', secretAccessKey: 's', principalArn: 'arn:aws:sts::111122223333:assumed-role/R/s', now: 0, sessionToken: 'tok', expiresAt });
  for (const n of [nodeA, nodeB, nodeB]) {
    const c = await n.lookup('ASIAEXAMPLESESSION01');
    assert.equal(c?.expiresAt?.getTime(), expiresAt);
    assert.equal(c?.sessionToken, 'tok');
  }
});
