/**
 * One conformance suite every KeyStore adapter runs (after Vault's ExerciseBackend): what the
 * port promises in `domain/ports.ts`, pinned down as tests. An adapter's test file calls
 * `exerciseKeyStore('SqliteStore', make)`; `make` returns a fresh store for each test.
 *
 * Each test works in its own random account (and random meta and access-key names), so the
 * suite stays correct even if `make` hands out stores that share one database.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { StoreConflictError, StoreDuplicateError, StoreLimitError, type KeyRef, type KeyStore, type RetirableGrantCursor } from '../../domain/ports.ts';
import type { AccessKeyRecord, AliasRecord, GrantRecord, KeyRecord, MaterialRecord } from '../../domain/types.ts';

export interface StoreHandle {
  store: KeyStore;
  cleanup(): Promise<void>;
}

export type MakeStore = () => Promise<StoreHandle>;

const REGION = 'us-east-1';
const OTHER_REGION = 'eu-west-1';
const T0 = 1_735_689_600_000; // 2025-01-01T00:00:00Z: well past 2^31, so 32-bit columns would show.
/** How many writers race in the concurrency tests. */
const RACERS = 20;

/** Byte order, which every store must list in (not the locale's). */
export const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

export const randomAccount = (): string => String(randomInt(100_000_000_000, 999_999_999_999));

/** A key row of the default Region. */
export const at = (keyId: string, region = REGION): KeyRef => ({ keyId, region });

export function materialId(): string {
  return randomBytes(32).toString('hex');
}

/** A key with every optional field absent. */
export function minimalKey(account: string, over: Partial<KeyRecord> = {}): KeyRecord {
  const keyId = over.keyId ?? randomUUID();
  const region = over.region ?? REGION;
  return {
    keyId,
    arn: `arn:aws:kms:${region}:${account}:key/${keyId}`,
    account,
    region,
    version: 1,
    createdAt: T0,
    description: '',
    keySpec: 'SYMMETRIC_DEFAULT',
    keyUsage: 'ENCRYPT_DECRYPT',
    origin: 'AWS_KMS',
    keyManager: 'CUSTOMER',
    state: 'Enabled',
    multiRegion: false,
    policy: '{"Version":"2012-10-17","Statement":[]}',
    tags: [],
    currentMaterialId: over.currentMaterialId ?? materialId(),
    rotation: { enabled: false, onDemandCount: 0 },
    ...over,
  };
}

/** A key with every optional field present, and text that trips naive encodings. */
export function fullKey(account: string, over: Partial<KeyRecord> = {}): KeyRecord {
  return minimalKey(account, {
    description: 'ünïcödé — "quoted" \\ back\nslash 🔑 \u0000 nul',
    state: 'PendingDeletion',
    deletionDate: T0 + 7 * 86_400_000,
    pendingWindowInDays: 7,
    multiRegion: true,
    policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'ä', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*' }] }),
    tags: [{ TagKey: 'env', TagValue: 'prod' }, { TagKey: '日本', TagValue: '' }],
    rotation: { enabled: true, periodDays: 365, nextRotationAt: T0 + 365 * 86_400_000, onDemandCount: 3, onDemandStartedAt: T0 + 1 },
    ...over,
  });
}

export function material(keyId: string, over: Partial<MaterialRecord> = {}): MaterialRecord {
  return { keyId, materialId: materialId(), createdAt: T0, wrapped: new Uint8Array(randomBytes(60)), ...over };
}

/** Every byte value, NULs and 0xFF included: a blob must come back bit for bit. */
const ALL_BYTES = new Uint8Array(Array.from({ length: 512 }, (_, i) => i % 256));

export function alias(account: string, aliasName: string, targetKeyId: string, over: Partial<AliasRecord> = {}): AliasRecord {
  return { account, region: REGION, aliasName, targetKeyId, createdAt: T0, updatedAt: T0, ...over };
}

function accessKey(over: Partial<AccessKeyRecord> = {}): AccessKeyRecord {
  return {
    accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
    principalArn: 'arn:aws:iam::111122223333:root',
    accountId: '111122223333',
    wrappedSecret: new Uint8Array(randomBytes(72)),
    createdAt: T0,
    ...over,
  };
}

export function grant(keyId: string, over: Partial<GrantRecord> = {}): GrantRecord {
  return {
    grantId: randomBytes(32).toString('hex'),
    keyId,
    region: REGION,
    issuingAccount: 'arn:aws:iam::111122223333:root',
    granteePrincipal: 'arn:aws:iam::111122223333:role/app',
    operations: ['Encrypt', 'Decrypt'],
    createdAt: T0,
    tokenSecret: randomBytes(32).toString('base64url'),
    ...over,
  };
}

/** Creates a key with its first material and returns both as stored. */
async function seedKey(store: KeyStore, key: KeyRecord): Promise<{ key: KeyRecord; material: MaterialRecord }> {
  const m = material(key.keyId, { materialId: key.currentMaterialId });
  await store.createKey(key, m);
  return { key, material: m };
}

/** The next version of a key, as the domain writes it. */
function bumped(key: KeyRecord, over: Partial<KeyRecord> = {}): KeyRecord {
  return { ...structuredClone(key), ...over, version: key.version + 1 };
}

/** Everything a store holds about some keys and an account's aliases, to compare before and after. */
export async function snapshot(store: KeyStore, account: string, keyIds: string[]): Promise<unknown> {
  const keys = await Promise.all(keyIds.map((id) => store.getKey(at(id))));
  const materials = await Promise.all(keyIds.map((id) => store.listMaterials(id)));
  const aliases = await store.listAliases(account, REGION, { limit: 1000 });
  return { keys, materials, aliases };
}

type Settled<T> = PromiseSettledResult<T>;

/** Exactly one winner; every loser lost with `loserError`. Returns the winner's index. */
function exactlyOneWinner(results: Settled<unknown>[], loserError: new (...a: never[]) => Error): number {
  const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
  const unexpected = results.flatMap((r) => (r.status === 'rejected' && !(r.reason instanceof loserError) ? [r.reason as unknown] : []));
  assert.deepEqual(unexpected, [], `losers must fail with ${loserError.name}`);
  assert.equal(winners.length, 1, `exactly one of ${results.length} racing writers wins (got ${winners.length})`);
  return winners[0]!;
}

/**
 * Registers the suite with node:test. `make` is called once per test and `cleanup` always runs,
 * pass or fail.
 */
export function exerciseKeyStore(name: string, make: MakeStore): void {
  /** A test body gets a fresh store and its own account. */
  const it = (title: string, body: (store: KeyStore, account: string) => Promise<void>) =>
    test(title, async () => {
      const { store, cleanup } = await make();
      try {
        await body(store, randomAccount());
      } finally {
        await cleanup();
      }
    });

  describe(`KeyStore conformance: ${name}`, () => {
    describe('meta', () => {
      it('getMeta of an unknown name is undefined', async (store) => {
        assert.equal(await store.getMeta(`absent-${randomUUID()}`), undefined);
      });

      it('putMetaIfAbsent: the first writer wins and every caller gets the stored value', async (store) => {
        const name = `check-${randomUUID()}`;
        assert.equal(await store.putMetaIfAbsent(name, 'first'), 'first');
        assert.equal(await store.putMetaIfAbsent(name, 'second'), 'first');
        assert.equal(await store.getMeta(name), 'first');
      });

      it(`putMetaIfAbsent: ${RACERS} concurrent writers all see the one stored value`, async (store) => {
        const name = `race-${randomUUID()}`;
        const candidates = Array.from({ length: RACERS }, (_, i) => `value-${i}`);
        const got = await Promise.all(candidates.map((v) => store.putMetaIfAbsent(name, v)));
        const stored = await store.getMeta(name);
        assert.ok(stored !== undefined && candidates.includes(stored));
        assert.deepEqual(got, candidates.map(() => stored));
      });

      it('putMeta sets and overwrites; putMetaIfAbsent then keeps the put value', async (store) => {
        const name = `offset-${randomUUID()}`;
        await store.putMeta(name, '1');
        assert.equal(await store.getMeta(name), '1');
        await store.putMeta(name, '-250');
        assert.equal(await store.getMeta(name), '-250');
        assert.equal(await store.putMetaIfAbsent(name, 'ignored'), '-250');
        const other = `other-${randomUUID()}`;
        assert.equal(await store.putMetaIfAbsent(other, 'first'), 'first');
        await store.putMeta(other, 'second');
        assert.equal(await store.getMeta(other), 'second');
      });
    });

    describe('keys', () => {
      it('getKey of an unknown id is undefined', async (store) => {
        assert.equal(await store.getKey(at(randomUUID())), undefined);
      });

      it('round-trips a key with every optional field absent (absent, not undefined or null)', async (store, account) => {
        const { key } = await seedKey(store, minimalKey(account));
        const got = await store.getKey(key);
        assert.deepEqual(got, key);
        for (const field of ['deletionDate', 'pendingWindowInDays'] as const) assert.ok(!(field in got!), `${field} must be absent`);
        for (const field of ['periodDays', 'nextRotationAt', 'onDemandStartedAt'] as const) assert.ok(!(field in got!.rotation), `rotation.${field} must be absent`);
      });

      it('round-trips a key with every optional field present and awkward text', async (store, account) => {
        const { key } = await seedKey(store, fullKey(account, { keyId: `mrk-${randomBytes(16).toString('hex')}` }));
        assert.deepEqual(await store.getKey(key), key);
      });

      it('keeps a copy: changing the caller\'s objects afterwards changes nothing stored', async (store, account) => {
        const key = fullKey(account);
        const m = material(key.keyId, { materialId: key.currentMaterialId, wrapped: ALL_BYTES.slice() });
        await store.createKey(key, m);
        const expected = structuredClone(key);
        key.description = 'mutated';
        key.tags.push({ TagKey: 'x', TagValue: 'y' });
        m.wrapped.fill(0);
        const got = await store.getKey(key);
        assert.deepEqual(got, expected);
        got!.tags.length = 0;
        assert.deepEqual(await store.getKey(key), expected);
        assert.deepEqual((await store.getMaterial(key.keyId, m.materialId))!.wrapped, ALL_BYTES);
      });

      it('createKey of an existing key id is StoreDuplicateError and changes nothing', async (store, account) => {
        const { key, material: first } = await seedKey(store, fullKey(account));
        const before = await snapshot(store, account, [key.keyId]);
        const again = minimalKey(account, { keyId: key.keyId, description: 'impostor' });
        await assert.rejects(store.createKey(again, material(key.keyId, { materialId: again.currentMaterialId })), StoreDuplicateError);
        assert.deepEqual(await snapshot(store, account, [key.keyId]), before);
        assert.deepEqual(await store.listMaterials(key.keyId), [first]);
      });
    });

    describe('materials', () => {
      it('round-trips wrapped bytes exactly, as a Uint8Array', async (store, account) => {
        const key = minimalKey(account);
        const m = material(key.keyId, { materialId: key.currentMaterialId, wrapped: ALL_BYTES.slice() });
        await store.createKey(key, m);
        const got = await store.getMaterial(key.keyId, m.materialId);
        assert.ok(got!.wrapped instanceof Uint8Array);
        assert.deepEqual(got, m);
        assert.ok(!('rotationType' in got!), 'rotationType must be absent');
      });

      it('stores only the viewed bytes of a Uint8Array that is a window on a larger buffer', async (store, account) => {
        const key = minimalKey(account);
        const backing = new Uint8Array(randomBytes(256));
        const view = backing.subarray(17, 17 + 100);
        await store.createKey(key, material(key.keyId, { materialId: key.currentMaterialId, wrapped: view }));
        const got = await store.getMaterial(key.keyId, key.currentMaterialId);
        assert.deepEqual(got!.wrapped, new Uint8Array(view));
      });

      it('round-trips a large blob and rotationType when present', async (store, account) => {
        const { key } = await seedKey(store, minimalKey(account));
        const big = new Uint8Array(randomBytes(256 * 1024));
        for (const rotationType of ['AUTOMATIC', 'ON_DEMAND'] as const) {
          const current = (await store.getKey(key))!;
          const m = material(key.keyId, { wrapped: big, rotationType, createdAt: T0 + 1 });
          await store.addMaterial(bumped(current, { currentMaterialId: m.materialId }), current.version, m);
          assert.deepEqual(await store.getMaterial(key.keyId, m.materialId), m);
        }
      });

      it('getMaterial is undefined for an unknown material, or a material id of another key', async (store, account) => {
        const a = await seedKey(store, minimalKey(account));
        const b = await seedKey(store, minimalKey(account));
        assert.equal(await store.getMaterial(a.key.keyId, materialId()), undefined);
        assert.equal(await store.getMaterial(a.key.keyId, b.material.materialId), undefined);
        assert.equal(await store.getMaterial(randomUUID(), a.material.materialId), undefined);
      });

      it('listMaterials is ordered by creation time, ties in the order they were added; [] for an unknown key', async (store, account) => {
        const { key, material: first } = await seedKey(store, minimalKey(account));
        const later = [
          material(key.keyId, { createdAt: T0 - 10 }), // older than the first: sorts first
          material(key.keyId, { createdAt: T0 + 5 }),
          material(key.keyId, { createdAt: T0 + 5, rotationType: 'ON_DEMAND' }), // same millisecond: after the one above
          material(key.keyId, { createdAt: T0 + 5, rotationType: 'AUTOMATIC' }),
        ];
        let current = key;
        for (const m of later) {
          const next = bumped(current, { currentMaterialId: m.materialId });
          await store.addMaterial(next, current.version, m);
          current = next;
        }
        assert.deepEqual(await store.listMaterials(key.keyId), [later[0], first, later[1], later[2], later[3]]);
        assert.deepEqual(await store.listMaterials(randomUUID()), []);
      });
    });

    describe('listKeys', () => {
      it('pages through more than two pages in key-id order, each strictly after the cursor', async (store, account) => {
        const ids: string[] = [];
        for (let i = 0; i < 25; i++) {
          const key = minimalKey(account, i % 5 === 0 ? { keyId: `mrk-${randomBytes(16).toString('hex')}` } : {});
          await seedKey(store, key);
          ids.push(key.keyId);
        }
        ids.sort(byBytes);
        const pages: string[][] = [];
        let after: string | undefined;
        for (;;) {
          const page = await store.listKeys(account, REGION, after, 10);
          assert.ok(page.length <= 10);
          if (page.length === 0) break;
          if (after !== undefined) assert.ok(page.every((k) => byBytes(k.keyId, after!) > 0), 'strictly after the cursor');
          pages.push(page.map((k) => k.keyId));
          after = page.at(-1)!.keyId;
        }
        assert.deepEqual(pages.map((p) => p.length), [10, 10, 5]);
        assert.deepEqual(pages.flat(), ids);
      });

      it('returns whole records, a cursor between ids works, and the last id gives an empty page', async (store, account) => {
        const [lo, hi] = [randomUUID(), randomUUID()].sort(byBytes) as [string, string];
        const keys = [minimalKey(account, { keyId: lo }), fullKey(account, { keyId: hi })];
        for (const k of keys) await seedKey(store, k);
        assert.deepEqual(await store.listKeys(account, REGION, undefined, 100), keys);
        // Not an id, but after the first and before the second (same length, they differ earlier).
        assert.deepEqual(await store.listKeys(account, REGION, `${lo}0`, 100), [keys[1]]);
        assert.deepEqual(await store.listKeys(account, REGION, keys[0]!.keyId, 1), [keys[1]]);
        assert.deepEqual(await store.listKeys(account, REGION, keys[1]!.keyId, 100), []);
        assert.deepEqual(await store.listKeys(account, REGION, undefined, 1), [keys[0]]);
      });

      it('lists only the given account and Region', async (store, account) => {
        const other = randomAccount();
        const mine = minimalKey(account);
        await seedKey(store, mine);
        await seedKey(store, minimalKey(account, { region: OTHER_REGION }));
        await seedKey(store, minimalKey(other));
        assert.deepEqual(await store.listKeys(account, REGION, undefined, 100), [mine]);
        assert.equal((await store.listKeys(account, OTHER_REGION, undefined, 100)).length, 1);
        assert.equal((await store.listKeys(other, REGION, undefined, 100)).length, 1);
        assert.deepEqual(await store.listKeys(randomAccount(), REGION, undefined, 100), []);
      });
    });

    describe('updateKey (optimistic concurrency)', () => {
      it('replaces the record when the stored version matches, dropping fields the new record lacks', async (store, account) => {
        const { key } = await seedKey(store, fullKey(account));
        const { deletionDate: _d, pendingWindowInDays: _p, ...rest } = key;
        const next = bumped({ ...rest }, { state: 'Disabled', description: 'changed', rotation: { enabled: false, onDemandCount: 3 } });
        await store.updateKey(next, key.version);
        const got = await store.getKey(key);
        assert.deepEqual(got, next);
        assert.ok(!('deletionDate' in got!));
        assert.deepEqual(await store.listKeys(account, REGION, undefined, 10), [next]);
      });

      it('a stale or future expected version is StoreConflictError and leaves the row unchanged', async (store, account) => {
        const { key } = await seedKey(store, fullKey(account));
        const v2 = bumped(key, { description: 'v2' });
        await store.updateKey(v2, 1);
        for (const expected of [1, 3, 0]) {
          await assert.rejects(store.updateKey(bumped(key, { description: `stale ${expected}`, version: expected + 1 }), expected), StoreConflictError);
          assert.deepEqual(await store.getKey(key), v2);
        }
      });

      it('updating a key that does not exist is StoreConflictError and creates nothing', async (store, account) => {
        const ghost = minimalKey(account);
        await assert.rejects(store.updateKey(bumped(ghost), ghost.version), StoreConflictError);
        assert.equal(await store.getKey(ghost), undefined);
        assert.deepEqual(await store.listKeys(account, REGION, undefined, 10), []);
      });

      it(`${RACERS} concurrent updates from the same version: exactly one wins, the rest conflict`, async (store, account) => {
        const { key } = await seedKey(store, minimalKey(account));
        const attempts = Array.from({ length: RACERS }, (_, i) => bumped(key, { description: `writer ${i}` }));
        const results = await Promise.allSettled(attempts.map((k) => store.updateKey(k, key.version)));
        const winner = exactlyOneWinner(results, StoreConflictError);
        assert.deepEqual(await store.getKey(key), attempts[winner]);
      });
    });

    describe('addMaterial (rotation)', () => {
      it('adds the material and replaces the key together', async (store, account) => {
        const { key, material: first } = await seedKey(store, minimalKey(account));
        const m = material(key.keyId, { createdAt: T0 + 1000, rotationType: 'ON_DEMAND' });
        const next = bumped(key, { currentMaterialId: m.materialId, rotation: { enabled: false, onDemandCount: 1, onDemandStartedAt: T0 + 1000 } });
        await store.addMaterial(next, key.version, m);
        assert.deepEqual(await store.getKey(key), next);
        assert.deepEqual(await store.listMaterials(key.keyId), [first, m]);
      });

      it('a stale version is StoreConflictError and writes neither the material nor the key', async (store, account) => {
        const { key } = await seedKey(store, minimalKey(account));
        const v2 = bumped(key, { description: 'v2' });
        await store.updateKey(v2, key.version);
        const before = await snapshot(store, account, [key.keyId]);
        const m = material(key.keyId, { createdAt: T0 + 1 });
        await assert.rejects(store.addMaterial(bumped(key, { currentMaterialId: m.materialId }), key.version, m), StoreConflictError);
        assert.deepEqual(await snapshot(store, account, [key.keyId]), before);
        assert.equal(await store.getMaterial(key.keyId, m.materialId), undefined);
      });

      it('adding to a key that does not exist is StoreConflictError and leaves no material', async (store, account) => {
        const ghost = minimalKey(account);
        const m = material(ghost.keyId);
        await assert.rejects(store.addMaterial(bumped(ghost), ghost.version, m), StoreConflictError);
        assert.equal(await store.getKey(ghost), undefined);
        assert.equal(await store.getMaterial(ghost.keyId, m.materialId), undefined);
        assert.deepEqual(await store.listMaterials(ghost.keyId), []);
      });

      it(`${RACERS} concurrent rotations from the same version: exactly one material is added`, async (store, account) => {
        const { key, material: first } = await seedKey(store, minimalKey(account));
        const attempts = Array.from({ length: RACERS }, (_, i) => {
          const m = material(key.keyId, { createdAt: T0 + 1 + i, rotationType: 'ON_DEMAND' });
          return { key: bumped(key, { currentMaterialId: m.materialId }), m };
        });
        const results = await Promise.allSettled(attempts.map((a) => store.addMaterial(a.key, key.version, a.m)));
        const winner = attempts[exactlyOneWinner(results, StoreConflictError)]!;
        assert.deepEqual(await store.getKey(key), winner.key);
        assert.deepEqual(await store.listMaterials(key.keyId), [first, winner.m]);
      });
    });

    describe('putMaterials (imported key material)', () => {
      const imported = (over: Partial<MaterialRecord> = {}): Partial<MaterialRecord> => ({
        imported: { importState: 'IMPORTED', expirationModel: 'KEY_MATERIAL_EXPIRES', validTo: T0 + 86_400_000, description: 'ünïcödé / first' },
        ...over,
      });

      it('createKey without a material stores the key alone (Origin EXTERNAL, PendingImport)', async (store, account) => {
        const key = minimalKey(account, { origin: 'EXTERNAL', state: 'PendingImport', currentMaterialId: '' });
        await store.createKey(key);
        assert.deepEqual(await store.getKey(key), key);
        assert.deepEqual(await store.listMaterials(key.keyId), []);
      });

      it('inserts materials and replaces the key together; import fields and rotatedAt round-trip, absent ones stay absent', async (store, account) => {
        const key = minimalKey(account, { origin: 'EXTERNAL', state: 'PendingImport', currentMaterialId: '' });
        await store.createKey(key);
        const first = material(key.keyId, imported());
        const pending = material(key.keyId, { createdAt: T0 + 1, imported: { importState: 'IMPORTED', expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE', pendingRotation: true } });
        const next = bumped(key, { state: 'Enabled', currentMaterialId: first.materialId, expirationModel: 'KEY_MATERIAL_EXPIRES', validTo: T0 + 86_400_000 });
        await store.putMaterials(next, key.version, [first, pending]);
        assert.deepEqual(await store.getKey(key), next);
        assert.deepEqual(await store.listMaterials(key.keyId), [first, pending]);
        const got = await store.getMaterial(key.keyId, pending.materialId);
        assert.deepEqual(got, pending);
        assert.ok(!('rotatedAt' in got!) && !('validTo' in got!.imported!) && !('description' in got!.imported!), 'absent fields stay absent');
      });

      it('replaces a stored material with the same id in place: deleted (empty bytes), then re-imported, then rotated in', async (store, account) => {
        const { key, material: first } = await seedKey(store, minimalKey(account, { origin: 'EXTERNAL' }));
        const second = material(key.keyId, { createdAt: T0 + 5, imported: { importState: 'IMPORTED', expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE', pendingRotation: true } });
        const v2 = bumped(key);
        await store.putMaterials(v2, key.version, [second]);

        const deleted: MaterialRecord = { ...second, wrapped: new Uint8Array(0), imported: { importState: 'PENDING_IMPORT', pendingRotation: true } };
        const v3 = bumped(v2, { state: 'PendingImport' });
        await store.putMaterials(v3, v2.version, [deleted]);
        const gone = await store.getMaterial(key.keyId, second.materialId);
        assert.ok(gone!.wrapped instanceof Uint8Array);
        assert.deepEqual(gone, deleted);

        const rotated: MaterialRecord = { ...second, rotationType: 'ON_DEMAND', rotatedAt: T0 + 99, imported: { importState: 'IMPORTED', expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' } };
        const v4 = bumped(v3, { state: 'Enabled', currentMaterialId: second.materialId });
        await store.putMaterials(v4, v3.version, [rotated]);
        assert.deepEqual(await store.getKey(key), v4);
        assert.deepEqual(await store.listMaterials(key.keyId), [first, rotated], 'one row per material id, in the order first added');
      });

      it('a stale version is StoreConflictError and writes neither the materials nor the key', async (store, account) => {
        const { key, material: first } = await seedKey(store, minimalKey(account, { origin: 'EXTERNAL' }));
        await store.updateKey(bumped(key, { description: 'v2' }), key.version);
        const before = await snapshot(store, account, [key.keyId]);
        const replaced: MaterialRecord = { ...first, wrapped: new Uint8Array(0), imported: { importState: 'PENDING_IMPORT' } };
        const added = material(key.keyId, imported({ createdAt: T0 + 1 }));
        await assert.rejects(store.putMaterials(bumped(key, { state: 'PendingImport' }), key.version, [replaced, added]), StoreConflictError);
        assert.deepEqual(await snapshot(store, account, [key.keyId]), before);
        const ghost = minimalKey(account);
        await assert.rejects(store.putMaterials(bumped(ghost), ghost.version, [material(ghost.keyId)]), StoreConflictError);
        assert.deepEqual(await store.listMaterials(ghost.keyId), []);
      });

      it('a key whose imported material expires (validTo) is due then, and no longer once validTo is cleared', async (store, account) => {
        const now = 10_000;
        const { key } = await seedKey(store, minimalKey(account, { origin: 'EXTERNAL', expirationModel: 'KEY_MATERIAL_EXPIRES', validTo: 4_000 }));
        const { key: later } = await seedKey(store, minimalKey(account, { origin: 'EXTERNAL', expirationModel: 'KEY_MATERIAL_EXPIRES', validTo: now + 1 }));
        assert.deepEqual(await store.listDueKeys(now, 100), [at(key.keyId)]);
        const { validTo: _v, expirationModel: _e, ...rest } = key;
        await store.updateKey(bumped(rest, { state: 'PendingImport' }), key.version);
        assert.deepEqual(await store.listDueKeys(now, 100), []);
        assert.deepEqual(await store.listDueKeys(now + 1, 100), [at(later.keyId)]);
      });
    });

    describe('grants and tombstones', () => {
      it('grants round-trip, list in grant-id order with filters and pages, and delete', async (store, account) => {
        const { key } = await seedKey(store, minimalKey(account));
        const other = await seedKey(store, minimalKey(account));
        const full = grant(key.keyId, { retiringPrincipal: `arn:aws:iam::${account}:role/ops`, name: 'ünï', constraints: { EncryptionContextSubset: { a: 'b' } } });
        const gs = [full, ...Array.from({ length: 4 }, () => grant(key.keyId, { granteePrincipal: `arn:aws:iam::${account}:user/bob` }))];
        for (const g of gs) await store.createGrant(g);
        await store.createGrant(grant(other.key.keyId));
        assert.deepEqual(await store.getGrant(key, full.grantId), full);
        assert.equal(await store.getGrant(other.key, full.grantId), undefined);
        const sorted = [...gs].sort((a, b) => byBytes(a.grantId, b.grantId));
        const p1 = await store.listGrants(key, { limit: 3 });
        const p2 = await store.listGrants(key, { limit: 3, after: p1[2]!.grantId });
        assert.deepEqual([...p1, ...p2], sorted);
        assert.deepEqual(await store.listGrants(key, { limit: 10, grantId: full.grantId }), [full]);
        assert.equal((await store.listGrants(key, { limit: 10, granteePrincipal: `arn:aws:iam::${account}:user/bob` })).length, 4);
        assert.equal(await store.countGrants(key), 5);
        assert.equal(await store.countGrants(key, { granteePrincipal: `arn:aws:iam::${account}:user/bob` }), 4);
        assert.equal(await store.countGrants(key, { granteePrincipal: `arn:aws:iam::${account}:user/nobody` }), 0);
        assert.equal(await store.countGrants(other.key), 1);
        assert.deepEqual(await store.listRetirableGrants(`arn:aws:iam::${account}:role/ops`, { limit: 10 }), [full]);
        assert.equal(await store.deleteGrant(key, full.grantId), true);
        assert.equal(await store.deleteGrant(key, full.grantId), false);
        assert.equal(await store.getGrant(key, full.grantId), undefined);
        await assert.rejects(store.createGrant(gs[1]!), StoreDuplicateError);
      });

      it('createGrant with limits: the grantee quota first, then the key quota; a refused grant is not written', async (store, account) => {
        const { key } = await seedKey(store, minimalKey(account));
        const other = await seedKey(store, minimalKey(account));
        const bob = `arn:aws:iam::${account}:user/bob`;
        const limits = { perKey: 4, perGrantee: 2 };
        await store.createGrant(grant(key.keyId, { granteePrincipal: bob }), limits);
        await store.createGrant(grant(key.keyId, { granteePrincipal: bob }), limits);
        const third = grant(key.keyId, { granteePrincipal: bob });
        await assert.rejects(store.createGrant(third, limits), (e: unknown) => e instanceof StoreLimitError && e.limit === 'per-grantee');
        assert.equal(await store.getGrant(key, third.grantId), undefined);
        await store.createGrant(grant(key.keyId), limits);
        await store.createGrant(grant(key.keyId, { granteePrincipal: `arn:aws:iam::${account}:user/carol` }), limits);
        const fifth = grant(key.keyId, { granteePrincipal: `arn:aws:iam::${account}:user/dave` });
        await assert.rejects(store.createGrant(fifth, limits), (e: unknown) => e instanceof StoreLimitError && e.limit === 'per-key');
        assert.equal(await store.countGrants(key), 4);
        // Quotas are per key row; without limits nothing is counted.
        await store.createGrant(grant(other.key.keyId, { granteePrincipal: bob }), limits);
        await store.createGrant(fifth);
        assert.equal(await store.countGrants(key), 5);
      });

      it(`createGrant with limits: ${RACERS} concurrent inserts for the last place, exactly one is written`, async (store, account) => {
        const { key } = await seedKey(store, minimalKey(account));
        for (let i = 0; i < 3; i++) await store.createGrant(grant(key.keyId, { granteePrincipal: `arn:aws:iam::${account}:user/u${i}` }));
        const racers = Array.from({ length: RACERS }, (_, i) => grant(key.keyId, { granteePrincipal: `arn:aws:iam::${account}:user/r${i}` }));
        // Open the pooled connections first, so the racers really overlap instead of queueing on connects.
        await Promise.all(racers.map(() => store.countGrants(key)));
        const results = await Promise.allSettled(racers.map((g) => store.createGrant(g, { perKey: 4, perGrantee: 500 })));
        exactlyOneWinner(results, StoreLimitError);
        assert.equal(await store.countGrants(key), 4);
      });

      it('deleteKey removes the key\'s grants and leaves a tombstone with its ARN', async (store, account) => {
        const { key } = await seedKey(store, minimalKey(account));
        const g = grant(key.keyId);
        await store.createGrant(g);
        assert.equal(await store.getDeletedKey(key), undefined);
        await store.deleteKey(key, T0 + 5);
        assert.deepEqual(await store.getDeletedKey(key), { keyId: key.keyId, region: key.region, arn: key.arn, deletedAt: T0 + 5 });
        assert.equal(await store.getGrant(key, g.grantId), undefined);
        await store.deleteKey(key, T0 + 9);
        assert.equal((await store.getDeletedKey(key))!.deletedAt, T0 + 5, 'the first deletion time stays');
        assert.equal(await store.getDeletedKey(at(randomUUID())), undefined);
      });
    });

    describe('deleteKey', () => {
      it('removes the key, all its materials and every alias to it, and nothing else', async (store, account) => {
        const doomed = await seedKey(store, fullKey(account));
        const kept = await seedKey(store, minimalKey(account));
        const m2 = material(doomed.key.keyId, { createdAt: T0 + 1 });
        await store.addMaterial(bumped(doomed.key, { currentMaterialId: m2.materialId }), doomed.key.version, m2);
        await store.createAlias(alias(account, 'alias/doomed-1', doomed.key.keyId));
        await store.createAlias(alias(account, 'alias/doomed-2', doomed.key.keyId));
        const keptAlias = alias(account, 'alias/kept', kept.key.keyId);
        await store.createAlias(keptAlias);

        await store.deleteKey(doomed.key, 1_000);

        assert.equal(await store.getKey(doomed.key), undefined);
        assert.deepEqual(await store.listMaterials(doomed.key.keyId), []);
        assert.equal(await store.getMaterial(doomed.key.keyId, doomed.material.materialId), undefined);
        assert.equal(await store.getMaterial(doomed.key.keyId, m2.materialId), undefined);
        assert.equal(await store.getAlias(account, REGION, 'alias/doomed-1'), undefined);
        assert.deepEqual(await store.listAliases(account, REGION, { limit: 10 }), [keptAlias]);
        assert.deepEqual(await store.getKey(kept.key), kept.key);
        assert.deepEqual(await store.listMaterials(kept.key.keyId), [kept.material]);
        assert.deepEqual(await store.listKeys(account, REGION, undefined, 10), [kept.key]);
        // The name is free again.
        await store.createAlias(alias(account, 'alias/doomed-1', kept.key.keyId));
      });

      it('deleting an unknown key is a no-op', async (store, account) => {
        const { key } = await seedKey(store, minimalKey(account));
        await store.deleteKey(at(randomUUID()), 1_000);
        assert.deepEqual(await store.getKey(key), key);
      });

      it('with expectedVersion, deletes only that version: a stale or missing key is StoreConflictError and nothing changes', async (store, account) => {
        const { key, material: m } = await seedKey(store, minimalKey(account, { state: 'PendingDeletion', deletionDate: 5_000, pendingWindowInDays: 7 }));
        await store.createAlias(alias(account, 'alias/claimed', key.keyId));
        const cancelled = bumped(key, { state: 'Disabled' });
        await store.updateKey(cancelled, key.version); // a CancelKeyDeletion committed first
        await assert.rejects(store.deleteKey(key, 1_000, key.version), StoreConflictError);
        assert.deepEqual(await store.getKey(key), cancelled);
        assert.deepEqual(await store.listMaterials(key.keyId), [m]);
        assert.equal((await store.getAlias(account, REGION, 'alias/claimed'))?.targetKeyId, key.keyId);
        assert.equal(await store.getDeletedKey(key), undefined);

        await store.deleteKey(key, 1_000, cancelled.version);
        assert.equal(await store.getKey(key), undefined);
        await assert.rejects(store.deleteKey(key, 2_000, cancelled.version), StoreConflictError, 'a second claim of a deleted key loses');
        assert.equal((await store.getDeletedKey(key))?.deletedAt, 1_000);
      });

      it('an update or rotation after the delete conflicts and resurrects nothing', async (store, account) => {
        const { key } = await seedKey(store, minimalKey(account));
        await store.deleteKey(key, 1_000);
        const m = material(key.keyId, { createdAt: T0 + 1 });
        await assert.rejects(store.updateKey(bumped(key), key.version), StoreConflictError);
        await assert.rejects(store.addMaterial(bumped(key, { currentMaterialId: m.materialId }), key.version, m), StoreConflictError);
        assert.equal(await store.getKey(key), undefined);
        assert.deepEqual(await store.listMaterials(key.keyId), []);
      });
    });

    describe('listDueKeys', () => {
      // Due times here are tiny (the 1970s) so keys other tests left in a shared store never match.
      it('lists keys whose deletion or enabled automatic rotation is due at or before now, by key id, across accounts and Regions', async (store, account) => {
        const now = 10_000;
        const other = randomAccount();
        const rot = (nextRotationAt: number, enabled = true) => ({ enabled, periodDays: 90, nextRotationAt, onDemandCount: 0 });
        const due = [
          minimalKey(account, { state: 'PendingDeletion', deletionDate: 5_000, pendingWindowInDays: 7 }),
          minimalKey(account, { state: 'PendingDeletion', deletionDate: now, pendingWindowInDays: 7 }), // exactly now: due
          minimalKey(other, { rotation: rot(9_999) }),
          minimalKey(account, { region: OTHER_REGION, rotation: rot(1) }),
          minimalKey(account, { state: 'PendingDeletion', deletionDate: 2_000, pendingWindowInDays: 7, rotation: rot(3_000) }), // both: listed once
        ];
        const notDue = [
          minimalKey(account, { state: 'PendingDeletion', deletionDate: now + 1, pendingWindowInDays: 7 }),
          minimalKey(account, { rotation: rot(now + 1) }),
          minimalKey(account, { rotation: rot(1, false) }), // disabled rotation is never due
          minimalKey(account),
        ];
        for (const k of [...notDue, ...due]) await seedKey(store, k);
        const expected = due.map((k) => at(k.keyId, k.region)).sort((a, b) => byBytes(a.keyId, b.keyId));
        assert.deepEqual(await store.listDueKeys(now, 100), expected);
        assert.deepEqual(await store.listDueKeys(now, 2), expected.slice(0, 2));
        assert.deepEqual(await store.listDueKeys(0, 100), []);
      });

      it('follows updates: a cancelled deletion or a rotated key is no longer due', async (store, account) => {
        const now = 10_000;
        const { key: pending } = await seedKey(store, minimalKey(account, { state: 'PendingDeletion', deletionDate: 5_000, pendingWindowInDays: 7 }));
        const { key: rotating } = await seedKey(store, minimalKey(account, { rotation: { enabled: true, periodDays: 90, nextRotationAt: 6_000, onDemandCount: 0 } }));
        assert.deepEqual(await store.listDueKeys(now, 100), [pending.keyId, rotating.keyId].sort(byBytes).map((id) => at(id)));

        const { deletionDate: _d, pendingWindowInDays: _p, ...cancelled } = pending;
        await store.updateKey(bumped({ ...cancelled }, { state: 'Disabled' }), pending.version);
        const m = material(rotating.keyId, { createdAt: 6_000, rotationType: 'AUTOMATIC' });
        await store.addMaterial(bumped(rotating, { currentMaterialId: m.materialId, rotation: { ...rotating.rotation, nextRotationAt: 6_000 + 90 * 86_400_000 } }), rotating.version, m);
        assert.deepEqual(await store.listDueKeys(now, 100), []);

        const { key: again } = await seedKey(store, minimalKey(account, { state: 'PendingDeletion', deletionDate: 7_000, pendingWindowInDays: 7 }));
        assert.deepEqual(await store.listDueKeys(now, 100), [at(again.keyId)]);
        await store.deleteKey(again, 1_000);
        assert.deepEqual(await store.listDueKeys(now, 100), []);
      });
    });

    describe('Regions (multi-Region keys)', () => {
      /** A primary in REGION with its first material, and a replica row of the same key id in OTHER_REGION. */
      async function mrk(store: KeyStore, account: string): Promise<{ primary: KeyRecord; replica: KeyRecord; material: MaterialRecord }> {
        const keyId = `mrk-${randomBytes(16).toString('hex')}`;
        const { key: primary, material: m } = await seedKey(store, minimalKey(account, { keyId, multiRegion: true, multiRegionKeyType: 'PRIMARY' }));
        const replica = minimalKey(account, { keyId, region: OTHER_REGION, multiRegion: true, multiRegionKeyType: 'REPLICA', currentMaterialId: primary.currentMaterialId, description: 'replica' });
        await store.createKey(replica);
        return { primary, replica, material: m };
      }

      it('one key id has a row per Region: read, listed and taken per Region; materials are shared', async (store, account) => {
        const { primary, replica, material: m } = await mrk(store, account);
        assert.deepEqual(await store.getKey(primary), primary);
        assert.deepEqual(await store.getKey(replica), replica);
        assert.equal(await store.getKey(at(primary.keyId, 'ap-south-1')), undefined);
        assert.deepEqual(await store.listKeyRegions(primary.keyId), [replica, primary].sort((a, b) => byBytes(a.region, b.region)));
        assert.deepEqual(await store.listKeyRegions(randomUUID()), []);
        assert.deepEqual(await store.listKeys(account, REGION, undefined, 10), [primary]);
        assert.deepEqual(await store.listKeys(account, OTHER_REGION, undefined, 10), [replica]);
        await assert.rejects(store.createKey(minimalKey(account, { keyId: primary.keyId, region: OTHER_REGION })), StoreDuplicateError);
        assert.deepEqual(await store.listMaterials(primary.keyId), [m]);
        // A rotation through the primary adds a material every Region reads.
        const m2 = material(primary.keyId, { createdAt: T0 + 1, rotationType: 'ON_DEMAND' });
        await store.addMaterial(bumped(primary, { currentMaterialId: m2.materialId }), primary.version, m2);
        assert.deepEqual(await store.getMaterial(replica.keyId, m2.materialId), m2);
        assert.deepEqual(await store.getKey(replica), replica, 'the replica row is untouched');
      });

      it('deleteKey of one Region leaves the other Region\'s row, aliases, grants and the shared materials; the last Region takes the materials', async (store, account) => {
        const { primary, replica, material: m } = await mrk(store, account);
        await store.createAlias(alias(account, 'alias/same-name', primary.keyId));
        await store.createAlias(alias(account, 'alias/same-name', replica.keyId, { region: OTHER_REGION }));
        const gp = grant(primary.keyId);
        const gr = grant(replica.keyId, { region: OTHER_REGION });
        await store.createGrant(gp);
        await store.createGrant(gr);
        await store.deleteKey(replica, T0 + 5, replica.version);
        assert.equal(await store.getKey(replica), undefined);
        assert.deepEqual(await store.getDeletedKey(replica), { keyId: replica.keyId, region: OTHER_REGION, arn: replica.arn, deletedAt: T0 + 5 });
        assert.equal(await store.getDeletedKey(primary), undefined, 'a tombstone is per Region');
        assert.equal(await store.getAlias(account, OTHER_REGION, 'alias/same-name'), undefined);
        assert.equal(await store.getGrant(replica, gr.grantId), undefined);
        assert.deepEqual(await store.getKey(primary), primary);
        assert.equal((await store.getAlias(account, REGION, 'alias/same-name'))?.targetKeyId, primary.keyId);
        assert.deepEqual(await store.getGrant(primary, gp.grantId), gp);
        assert.deepEqual(await store.listMaterials(primary.keyId), [m], 'materials stay while a Region holds the key');
        await store.deleteKey(primary, T0 + 6);
        assert.deepEqual(await store.listMaterials(primary.keyId), []);
        assert.deepEqual(await store.listKeyRegions(primary.keyId), []);
      });

      it('grants belong to one Region\'s row; ListRetirableGrants pages by (Region, key id, grant id) with a structured cursor', async (store, account) => {
        const { primary, replica } = await mrk(store, account);
        const ops = `arn:aws:iam::${account}:role/ops`;
        const gs = [
          ...Array.from({ length: 3 }, () => grant(primary.keyId, { retiringPrincipal: ops })),
          ...Array.from({ length: 3 }, () => grant(replica.keyId, { region: OTHER_REGION, retiringPrincipal: ops })),
        ];
        for (const g of gs) await store.createGrant(g);
        assert.equal(await store.countGrants(primary), 3);
        assert.equal(await store.countGrants(replica), 3);
        assert.equal(await store.getGrant(replica, gs[0]!.grantId), undefined, 'a grant of the primary is not the replica\'s');
        assert.deepEqual((await store.listGrants(replica, { limit: 10 })).map((g) => g.region), [OTHER_REGION, OTHER_REGION, OTHER_REGION]);
        const expected = [...gs].sort((a, b) => byBytes(a.region, b.region) || byBytes(a.keyId, b.keyId) || byBytes(a.grantId, b.grantId));
        const seen: GrantRecord[] = [];
        let after: RetirableGrantCursor | undefined;
        for (;;) {
          const page = await store.listRetirableGrants(ops, { limit: 4, ...(after ? { after } : {}) });
          seen.push(...page);
          if (page.length < 4) break;
          const last = page[page.length - 1]!;
          after = { region: last.region, keyId: last.keyId, grantId: last.grantId };
        }
        assert.deepEqual(seen, expected);
        assert.equal(await store.deleteGrant(primary, gs[3]!.grantId), false, 'deleting names the Region');
        assert.equal(await store.deleteGrant(replica, gs[3]!.grantId), true);
      });

      it('updateKeys changes several rows or none', async (store, account) => {
        const { primary, replica } = await mrk(store, account);
        const demoted = bumped(primary, { multiRegionKeyType: 'REPLICA' });
        const promoted = bumped(replica, { multiRegionKeyType: 'PRIMARY' });
        await assert.rejects(store.updateKeys([{ key: demoted, expectedVersion: primary.version }, { key: promoted, expectedVersion: replica.version + 1 }]), StoreConflictError);
        assert.deepEqual(await store.getKey(primary), primary, 'nothing changed');
        assert.deepEqual(await store.getKey(replica), replica);
        await store.updateKeys([{ key: demoted, expectedVersion: primary.version }, { key: promoted, expectedVersion: replica.version }]);
        assert.deepEqual(await store.getKey(primary), demoted);
        assert.deepEqual(await store.getKey(replica), promoted);
      });

      it('listDueKeys never lists a replica for rotation (its primary rotates), but does for deletion', async (store, account) => {
        const now = 10_000;
        const rotation = { enabled: true, periodDays: 90, nextRotationAt: 5_000, onDemandCount: 0 };
        const keyId = `mrk-${randomBytes(16).toString('hex')}`;
        await seedKey(store, minimalKey(account, { keyId, multiRegion: true, multiRegionKeyType: 'PRIMARY', rotation }));
        const replica = minimalKey(account, { keyId, region: OTHER_REGION, multiRegion: true, multiRegionKeyType: 'REPLICA', rotation });
        await store.createKey(replica);
        const due = (await store.listDueKeys(now, 100)).filter((r) => r.keyId === keyId);
        assert.deepEqual(due, [at(keyId)]);
        await store.updateKey(bumped(replica, { state: 'PendingDeletion', deletionDate: 6_000, pendingWindowInDays: 7 }), replica.version);
        assert.deepEqual((await store.listDueKeys(now, 100)).filter((r) => r.keyId === keyId), [at(keyId, REGION), at(keyId, OTHER_REGION)].sort((a, b) => byBytes(a.region, b.region)));
      });
    });

    describe('aliases', () => {
      it('round-trips an alias; an unknown name is undefined', async (store, account) => {
        const { key } = await seedKey(store, minimalKey(account));
        const a = alias(account, 'alias/round-trip', key.keyId, { createdAt: T0 + 1, updatedAt: T0 + 2 });
        await store.createAlias(a);
        assert.deepEqual(await store.getAlias(account, REGION, a.aliasName), a);
        assert.equal(await store.getAlias(account, REGION, 'alias/nope'), undefined);
      });

      it('a taken name is StoreDuplicateError and the existing alias is unchanged', async (store, account) => {
        const a = await seedKey(store, minimalKey(account));
        const b = await seedKey(store, minimalKey(account));
        const first = alias(account, 'alias/taken', a.key.keyId);
        await store.createAlias(first);
        await assert.rejects(store.createAlias(alias(account, 'alias/taken', b.key.keyId, { createdAt: T0 + 9, updatedAt: T0 + 9 })), StoreDuplicateError);
        await assert.rejects(store.createAlias(first), StoreDuplicateError);
        assert.deepEqual(await store.getAlias(account, REGION, 'alias/taken'), first);
        assert.deepEqual(await store.listAliases(account, REGION, { limit: 10 }), [first]);
      });

      it('names are unique per account and Region, not globally', async (store, account) => {
        const other = randomAccount();
        const mine = await seedKey(store, minimalKey(account));
        const theirs = await seedKey(store, minimalKey(other));
        const elsewhere = await seedKey(store, minimalKey(account, { region: OTHER_REGION }));
        const a = alias(account, 'alias/shared', mine.key.keyId);
        const b = alias(other, 'alias/shared', theirs.key.keyId);
        const c = alias(account, 'alias/shared', elsewhere.key.keyId, { region: OTHER_REGION });
        for (const x of [a, b, c]) await store.createAlias(x);
        assert.deepEqual(await store.getAlias(account, REGION, 'alias/shared'), a);
        assert.deepEqual(await store.getAlias(other, REGION, 'alias/shared'), b);
        assert.deepEqual(await store.getAlias(account, OTHER_REGION, 'alias/shared'), c);
        assert.deepEqual(await store.listAliases(account, REGION, { limit: 10 }), [a]);
        assert.deepEqual(await store.listAliases(account, OTHER_REGION, { limit: 10 }), [c]);
        assert.equal(await store.deleteAlias(account, REGION, 'alias/shared'), true);
        assert.deepEqual(await store.getAlias(other, REGION, 'alias/shared'), b);
        assert.deepEqual(await store.getAlias(account, OTHER_REGION, 'alias/shared'), c);
      });

      it(`${RACERS} concurrent creates of one name: exactly one succeeds, the rest are StoreDuplicateError`, async (store, account) => {
        const targets: string[] = [];
        for (let i = 0; i < 4; i++) targets.push((await seedKey(store, minimalKey(account))).key.keyId);
        const attempts = Array.from({ length: RACERS }, (_, i) => alias(account, 'alias/contested', targets[i % targets.length]!, { createdAt: T0 + i, updatedAt: T0 + i }));
        const results = await Promise.allSettled(attempts.map((a) => store.createAlias(a)));
        const winner = exactlyOneWinner(results, StoreDuplicateError);
        assert.deepEqual(await store.getAlias(account, REGION, 'alias/contested'), attempts[winner]);
        assert.deepEqual(await store.listAliases(account, REGION, { limit: 100 }), [attempts[winner]]);
      });

      it('updateAlias retargets an existing alias; on a missing one it creates nothing', async (store, account) => {
        const a = await seedKey(store, minimalKey(account));
        const b = await seedKey(store, minimalKey(account));
        const created = alias(account, 'alias/moving', a.key.keyId);
        await store.createAlias(created);
        const moved = { ...created, targetKeyId: b.key.keyId, updatedAt: T0 + 60_000 };
        await store.updateAlias(moved);
        assert.deepEqual(await store.getAlias(account, REGION, 'alias/moving'), moved);
        assert.deepEqual(await store.listAliases(account, REGION, { keyId: a.key.keyId, limit: 10 }), []);
        assert.deepEqual(await store.listAliases(account, REGION, { keyId: b.key.keyId, limit: 10 }), [moved]);

        await store.updateAlias(alias(account, 'alias/ghost', a.key.keyId));
        assert.equal(await store.getAlias(account, REGION, 'alias/ghost'), undefined);
      });

      it('deleteAlias says whether it deleted', async (store, account) => {
        const { key } = await seedKey(store, minimalKey(account));
        await store.createAlias(alias(account, 'alias/gone', key.keyId));
        assert.equal(await store.deleteAlias(account, REGION, 'alias/gone'), true);
        assert.equal(await store.getAlias(account, REGION, 'alias/gone'), undefined);
        assert.equal(await store.deleteAlias(account, REGION, 'alias/gone'), false);
        assert.deepEqual(await store.getKey(key), key, 'the target key is untouched');
      });

      it('listAliases is in byte order of the name (case, "-", "_", "/" included) and pages strictly after the cursor', async (store, account) => {
        const { key } = await seedKey(store, minimalKey(account));
        const names = ['alias/b', 'alias/B', 'alias/a', 'alias/a-b', 'alias/a_b', 'alias/ab', 'alias/a/b', 'alias/Z', 'alias/0', 'alias/a-', 'alias/aB', 'alias/A'];
        for (const n of names) await store.createAlias(alias(account, n, key.keyId));
        const expected = [...names].sort(byBytes);
        const seen: string[] = [];
        let after: string | undefined;
        let pages = 0;
        for (;;) {
          const page = await store.listAliases(account, REGION, { limit: 5, ...(after !== undefined ? { after } : {}) });
          if (page.length === 0) break;
          pages++;
          assert.ok(page.length <= 5);
          seen.push(...page.map((a) => a.aliasName));
          after = page.at(-1)!.aliasName;
        }
        assert.equal(pages, 3);
        assert.deepEqual(seen, expected);
        assert.deepEqual((await store.listAliases(account, REGION, { after: 'alias/a-', limit: 2 })).map((a) => a.aliasName), expected.slice(expected.indexOf('alias/a-') + 1).slice(0, 2));
      });

      it('listAliases filtered by target key pages over that key\'s aliases only', async (store, account) => {
        const a = await seedKey(store, minimalKey(account));
        const b = await seedKey(store, minimalKey(account));
        const forA: string[] = [];
        for (let i = 0; i < 7; i++) {
          const n = `alias/k-${String(i).padStart(2, '0')}`;
          await store.createAlias(alias(account, n, i % 3 === 2 ? b.key.keyId : a.key.keyId));
          if (i % 3 !== 2) forA.push(n);
        }
        const seen: string[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await store.listAliases(account, REGION, { keyId: a.key.keyId, limit: 2, ...(after !== undefined ? { after } : {}) });
          if (page.length === 0) break;
          assert.ok(page.every((x) => x.targetKeyId === a.key.keyId));
          seen.push(...page.map((x) => x.aliasName));
          after = page.at(-1)!.aliasName;
        }
        assert.deepEqual(seen, forA);
        assert.equal(forA.length, 5, 'three pages of two');
        assert.deepEqual(await store.listAliases(account, REGION, { keyId: randomUUID(), limit: 10 }), []);
        assert.deepEqual(await store.listAliases(randomAccount(), REGION, { keyId: a.key.keyId, limit: 10 }), []);
      });
    });

    describe('access keys', () => {
      it('getAccessKey of an unknown id is undefined', async (store) => {
        assert.equal(await store.getAccessKey('AKIANOSUCHKEY0000000'), undefined);
      });

      it('listAccessKeys pages in id order; deleteAccessKey removes one and says whether it was there', async (store) => {
        const ids = ['AKIAPAGE000000000003', 'AKIAPAGE000000000001', 'ASIAPAGE000000000002'];
        for (const id of ids) await store.putAccessKey(accessKey({ accessKeyId: id, ...(id.startsWith('ASIA') ? { sessionToken: 't', expiresAt: T0 + 1 } : {}) }));
        const page1 = await store.listAccessKeys({ limit: 2 });
        assert.deepEqual(page1.map((k) => k.accessKeyId), ['AKIAPAGE000000000001', 'AKIAPAGE000000000003']);
        const page2 = await store.listAccessKeys({ after: page1[1]!.accessKeyId, limit: 2 });
        assert.deepEqual(page2.map((k) => k.accessKeyId), ['ASIAPAGE000000000002']);
        assert.equal(page2[0]!.sessionToken, 't');
        assert.equal(await store.deleteAccessKey('AKIAPAGE000000000003'), true);
        assert.equal(await store.deleteAccessKey('AKIAPAGE000000000003'), false);
        assert.equal(await store.getAccessKey('AKIAPAGE000000000003'), undefined);
        assert.deepEqual((await store.listAccessKeys({ limit: 10 })).map((k) => k.accessKeyId), ['AKIAPAGE000000000001', 'ASIAPAGE000000000002']);
      });

      it('round-trips with optional fields absent and present; the secret bytes are intact', async (store) => {
        const plain = accessKey({ wrappedSecret: ALL_BYTES.slice() });
        const session = accessKey({ sessionToken: 'FwoGZXIvYXdzE-token/+=', expiresAt: T0 + 3_600_000, sourceArn: 'arn:aws:iam::111122223333:user/alice' });
        await store.putAccessKey(plain);
        await store.putAccessKey(session);
        const got = await store.getAccessKey(plain.accessKeyId);
        assert.deepEqual(got, plain);
        assert.ok(got!.wrappedSecret instanceof Uint8Array);
        assert.ok(!('sessionToken' in got!) && !('expiresAt' in got!), 'optional fields must be absent');
        assert.deepEqual(await store.getAccessKey(session.accessKeyId), session);
      });

      it('putAccessKey replaces an existing record (upsert), clearing optional fields it lacks', async (store) => {
        const first = accessKey({ sessionToken: 'old-token', expiresAt: T0 + 1 });
        await store.putAccessKey(first);
        const second: AccessKeyRecord = {
          accessKeyId: first.accessKeyId,
          principalArn: 'arn:aws:iam::444455556666:user/alice',
          accountId: '444455556666',
          wrappedSecret: new Uint8Array(randomBytes(72)),
          createdAt: first.createdAt,
        };
        await store.putAccessKey(second);
        assert.deepEqual(await store.getAccessKey(first.accessKeyId), second);
        const third = { ...second, sessionToken: 'new-token', expiresAt: T0 + 2 };
        await store.putAccessKey(third);
        assert.deepEqual(await store.getAccessKey(first.accessKeyId), third);
      });
    });
  });
}
