import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { StoreConflictError, StoreDuplicateError } from '../../domain/ports.ts';
import { alias, exerciseKeyStore, fullKey, material, minimalKey, randomAccount } from '../conformance/exercise-key-store.ts';
import { SqliteStore } from './sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'trent-sqlite-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `store-${++n}.db`);

/** Two stores on one file, as two processes (or `--workers`) have them; both closed afterwards. */
async function twoStoresOnOneFile(fn: (a: SqliteStore, b: SqliteStore) => Promise<void>): Promise<void> {
  const path = freshPath();
  const a = new SqliteStore(path);
  const b = new SqliteStore(path);
  try {
    await fn(a, b);
  } finally {
    await a.close();
    await b.close();
  }
}

exerciseKeyStore('SqliteStore', async () => {
  const store = new SqliteStore(freshPath());
  return { store, cleanup: () => store.close() };
});

describe('SqliteStore on disk', () => {
  test('data survives closing and reopening the file, and reopening does not re-run migrations', async () => {
    const path = freshPath();
    const account = randomAccount();
    const key = fullKey(account);
    const m = material(key.keyId, { materialId: key.currentMaterialId });
    const a = alias(account, 'alias/durable', key.keyId);
    const first = new SqliteStore(path);
    await first.createKey(key, m);
    await first.createAlias(a);
    await first.putMetaIfAbsent('root_key_check', 'abc');
    await first.close();

    const again = new SqliteStore(path);
    try {
      assert.deepEqual(await again.getKey(key), key);
      assert.deepEqual(await again.listMaterials(key.keyId), [m]);
      assert.deepEqual(await again.getAlias(account, 'us-east-1', 'alias/durable'), a);
      assert.equal(await again.getMeta('root_key_check'), 'abc');
    } finally {
      await again.close();
    }
    const third = new SqliteStore(path);
    await third.close();
  });

  test('key reads asked for together are answered each with its own row, and each sees the writes that returned before it, from this instance or another', async () => {
    await twoStoresOnOneFile(async (a, b) => {
      const account = randomAccount();
      const keys = Array.from({ length: 40 }, () => minimalKey(account));
      for (const k of keys) await a.createKey(k, material(k.keyId, { materialId: k.currentMaterialId }));
      const missing = minimalKey(account);
      // One turn of the event loop: 81 reads in one batch, in an order unlike the rows'.
      const asked = [...keys, missing, ...[...keys].reverse()];
      const got = await Promise.all(asked.map((k) => a.getKey(k)));
      assert.deepEqual(got, asked.map((k) => (k === missing ? undefined : k)));

      // A write by another connection (another process, in production) that returned before the read.
      const v2 = { ...keys[0]!, description: 'from b', version: 2 };
      await b.updateKey(v2, 1);
      const [seen, other] = await Promise.all([a.getKey(keys[0]!), a.getKey(keys[1]!)]);
      assert.deepEqual(seen, v2);
      assert.deepEqual(other, keys[1]);
      // Asked before a write in the same turn: the batch runs at the end of the turn, after it.
      const pending = a.getKey(keys[2]!);
      const v2b = { ...keys[2]!, description: 'same turn', version: 2 };
      await a.updateKey(v2b, 1);
      assert.deepEqual(await pending, v2b);
    });
  });

  test('a key read on a closed store fails instead of hanging', async () => {
    const s = new SqliteStore(freshPath());
    await s.close();
    await assert.rejects(s.getKey({ keyId: 'x', region: 'us-east-1' }));
  });

  test('two instances on one file see each other\'s writes and share the optimistic checks', async () => {
    await twoStoresOnOneFile(async (a, b) => {
      const account = randomAccount();
      const key = minimalKey(account);
      await a.createKey(key, material(key.keyId, { materialId: key.currentMaterialId }));
      assert.deepEqual(await b.getKey(key), key);

      const v2 = { ...key, description: 'from b', version: 2 };
      await b.updateKey(v2, 1);
      assert.deepEqual(await a.getKey(key), v2);
      await assert.rejects(a.updateKey({ ...key, description: 'stale a', version: 2 }, 1), StoreConflictError);

      await a.createAlias(alias(account, 'alias/one', key.keyId));
      await assert.rejects(b.createAlias(alias(account, 'alias/one', key.keyId)), StoreDuplicateError);
      assert.equal(await b.putMetaIfAbsent('m', 'b'), 'b');
      assert.equal(await a.putMetaIfAbsent('m', 'a'), 'b');

      await b.deleteKey(key, 1_000);
      assert.equal(await a.getKey(key), undefined);
      assert.equal(await a.getAlias(account, 'us-east-1', 'alias/one'), undefined);
    });
  });
});

describe('SqliteStore files are private', () => {
  const mode = (p: string) => statSync(p).mode & 0o777;
  test('whatever the umask, the database, its WAL and its SHM are 0600, now and when SQLite makes them again', async () => {
    const before = process.umask(0);
    try {
      const path = freshPath();
      const s = new SqliteStore(path);
      await s.putMeta('x', '1');
      assert.deepEqual([mode(path), mode(`${path}-wal`), mode(`${path}-shm`)], [0o600, 0o600, 0o600]);
      await s.close();
      // Closed: SQLite removed the WAL and SHM; the next open makes them with the database's mode.
      const again = new SqliteStore(path);
      await again.putMeta('x', '2');
      assert.deepEqual([mode(path), mode(`${path}-wal`), mode(`${path}-shm`)], [0o600, 0o600, 0o600]);
      await again.close();
    } finally {
      process.umask(before);
    }
  });

  test('a database file left readable by others is narrowed when opened', async () => {
    const path = freshPath();
    closeSync(openSync(path, 'w'));
    chmodSync(path, 0o644);
    const s = new SqliteStore(path);
    await s.putMeta('x', '1');
    assert.equal(mode(path), 0o600);
    assert.equal(mode(`${path}-wal`), 0o600);
    await s.close();
  });
});

describe('SqliteStore meta writes', () => {
  test('a meta write is durable when it resolves: it survives kill -9 right after, and later FULL commits still work', async () => {
    const path = freshPath();
    const storeUrl = new URL('./sqlite-store.ts', import.meta.url).href;
    const code = `const { SqliteStore } = await import(${JSON.stringify(storeUrl)});
const s = new SqliteStore(${JSON.stringify(path)});
await s.putMeta('audit_head:n1', 'v1');
await s.putMeta('audit_head:n1', 'v2');
process.kill(process.pid, 'SIGKILL');`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
    assert.equal(r.signal, 'SIGKILL', r.stderr);
    const s = new SqliteStore(path);
    try {
      assert.equal(await s.getMeta('audit_head:n1'), 'v2');
      await s.putMeta('audit_head:n1', 'v3');
      assert.equal(await s.putMetaIfAbsent('other', 'a'), 'a');
      assert.equal(await s.getMeta('audit_head:n1'), 'v3');
    } finally {
      await s.close();
    }
  });

  test('meta writes on an in-memory database need no WAL file', async () => {
    const s = new SqliteStore(':memory:');
    await s.putMeta('x', '1');
    assert.equal(await s.getMeta('x'), '1');
    await s.close();
  });
});
