import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { canonicalContext } from './encryption-context.ts';
import { assemble, decodeBlob, encodeHeader, HEADER_LENGTH } from './ciphertext-blob.ts';

const vectors = JSON.parse(readFileSync(new URL('../../test/vectors/encryption-context.json', import.meta.url), 'utf8')) as { cases: { context: Record<string, string>; hex: string }[] };

test('canonical encryption context matches the golden vectors', () => {
  for (const c of vectors.cases) assert.equal(Buffer.from(canonicalContext(c.context)).toString('hex'), c.hex, JSON.stringify(c.context));
});

test('{"ab":"c"} and {"a":"bc"} encode differently; key order does not matter', () => {
  assert.notDeepEqual(canonicalContext({ ab: 'c' }), canonicalContext({ a: 'bc' }));
  assert.deepEqual(canonicalContext({ x: '1', y: '2' }), canonicalContext({ y: '2', x: '1' }));
  assert.deepEqual(canonicalContext(undefined), canonicalContext({}));
});

test('blob header round-trips for UUID and mrk key ids, and decode refuses what is not a blob', () => {
  const iv = new Uint8Array(12).fill(7);
  const materialId = 'ab'.repeat(32);
  for (const keyId of ['1234abcd-12ab-34cd-56ef-1234567890ab', 'mrk-1234abcd12ab34cd56ef1234567890ab']) {
    const header = encodeHeader({ keyId, materialId, iv });
    assert.equal(header.length, HEADER_LENGTH);
    const blob = assemble(header, new Uint8Array([1, 2, 3]), new Uint8Array(16).fill(9));
    const d = decodeBlob(blob)!;
    assert.equal(d.keyId, keyId);
    assert.equal(d.materialId, materialId);
    assert.deepEqual([...d.ciphertext], [1, 2, 3]);
    const wrongVersion = Uint8Array.from(blob);
    wrongVersion[0] = 2;
    assert.equal(decodeBlob(wrongVersion), undefined);
    const wrongKind = Uint8Array.from(blob);
    wrongKind[1] = 9;
    assert.equal(decodeBlob(wrongKind), undefined);
    assert.equal(decodeBlob(blob.subarray(0, HEADER_LENGTH + 15)), undefined);
  }
});
