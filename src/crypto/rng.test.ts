import assert from 'node:assert/strict';
import { test } from 'node:test';
import { systemRng } from './rng.ts';

test('systemRng.bytes: the length asked for, fresh bytes every time, across pool refills and for large requests', () => {
  const seen = new Set<string>();
  // 3,000 × 12 bytes and 3,000 × 32 bytes cross the 4 KiB pool's refill many times, at odd offsets.
  for (let i = 0; i < 3000; i++) {
    for (const n of [12, 32]) {
      const b = systemRng.bytes(n);
      assert.ok(b instanceof Uint8Array);
      assert.equal(b.length, n);
      const hex = Buffer.from(b).toString('hex');
      assert.ok(!seen.has(hex), 'a value came out twice');
      seen.add(hex);
    }
  }
  for (const n of [0, 1, 63, 64, 65, 4096, 10_000]) assert.equal(systemRng.bytes(n).length, n);
  // Not all zero (a pool handed out before it was filled, or after it was zeroed, would be).
  const big = systemRng.bytes(10_000);
  assert.ok(big.some((x) => x !== 0));
  const bytes = Buffer.concat([...Array(200)].map(() => systemRng.bytes(32)));
  // Every byte value shows up in 6,400 random bytes (a stuck or zeroed stream would not).
  assert.equal(new Set(bytes).size, 256);
});

test('systemRng.bytes: a caller zeroing its buffer does not change what the next caller gets', () => {
  const a = systemRng.bytes(32);
  a.fill(0);
  const b = systemRng.bytes(32);
  assert.ok(b.some((x) => x !== 0));
});
