/** The wrapping table and unwrapping: what a client wraps with OpenSSL's algorithms opens here, anything else does not. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { wrapForImport } from '../../test/support/byok.ts';
import { ValidationException } from '../shared/errors.ts';
import { generateWrappingKeyPair, unwrapKeyMaterial, wrappingAlgorithmByCode, wrappingAlgorithmInfo, wrappingKeySpecInfo, WRAPPING_ALGORITHMS } from './import-wrapping.ts';

test('lookups: unknown names (even __proto__) are ValidationException; codes are unique and round-trip', () => {
  for (const bad of ['__proto__', 'constructor', 'RSAES_OAEP_SHA_512', '']) {
    assert.throws(() => wrappingAlgorithmInfo(bad), ValidationException);
    assert.throws(() => wrappingKeySpecInfo(bad), ValidationException);
  }
  const codes = WRAPPING_ALGORITHMS.map((a) => wrappingAlgorithmInfo(a).code);
  assert.equal(new Set(codes).size, codes.length);
  for (const a of WRAPPING_ALGORITHMS) assert.equal(wrappingAlgorithmByCode(wrappingAlgorithmInfo(a).code)?.name, a);
});

test('each supported algorithm opens what it wrapped, and only that', async () => {
  const pair = await generateWrappingKeyPair(2048);
  const other = await generateWrappingKeyPair(2048);
  const material = randomBytes(48);
  for (const name of ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256'] as const) {
    const alg = wrappingAlgorithmInfo(name);
    const wrapped = wrapForImport(pair.publicKeyDer, name, material);
    assert.deepEqual(Buffer.from(unwrapKeyMaterial(pair.privateKeyDer, alg, wrapped)!), material, name);
    assert.equal(unwrapKeyMaterial(other.privateKeyDer, alg, wrapped), undefined, `${name} under another key`);
    const flipped = Uint8Array.from(wrapped);
    flipped[flipped.length - 1]! ^= 1;
    assert.equal(unwrapKeyMaterial(pair.privateKeyDer, alg, flipped), undefined, `${name} tampered`);
    assert.equal(unwrapKeyMaterial(pair.privateKeyDer, alg, wrapped.subarray(0, 10)), undefined, `${name} truncated`);
  }
  assert.equal(unwrapKeyMaterial(pair.privateKeyDer, wrappingAlgorithmInfo('RSAES_PKCS1_V1_5'), randomBytes(256)), undefined);
});
