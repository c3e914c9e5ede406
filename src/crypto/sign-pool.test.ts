/**
 * The signing worker pool: signatures made on a worker verify, ML-DSA verification on a worker
 * accepts good signatures and refuses bad ones, the private key leaves this thread
 * (its buffer is transferred), a full queue refuses with ThrottlingException and zeroes the key it
 * refuses, a worker's error comes back as the same error class and message, and a closed pool
 * starts again on the next job.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { ed25519ph } from '@noble/curves/ed25519.js';
import { ml_dsa44 } from '@noble/post-quantum/ml-dsa.js';
import { ThrottlingException } from '../shared/errors.ts';
import { SignPool } from './sign-pool.ts';

const pool = new SignPool(1);
after(() => pool.close());
const { publicKey, secretKey } = ml_dsa44.keygen(randomBytes(32));

test('ML-DSA and Ed25519ph signatures made on a worker verify; the key buffers are moved out of this thread', async () => {
  const message = randomBytes(100);
  const key = Uint8Array.from(secretKey);
  const signing = pool.sign({ scheme: 'ml-dsa', parameterSet: 44, key, message, externalMu: false });
  assert.equal(key.byteLength, 0, 'the private key was transferred, not copied');
  assert.ok(ml_dsa44.verify(await signing, message, publicKey));

  const seed = randomBytes(32);
  const digest = randomBytes(64);
  const edSignature = await pool.sign({ scheme: 'ed25519ph', key: Uint8Array.from(seed), message: digest });
  assert.deepEqual(edSignature, ed25519ph.sign(digest, seed));
});

test('ML-DSA verification on a worker: true for a good signature, false for a tampered, truncated or misaddressed one', async () => {
  const message = randomBytes(64);
  const signature = ml_dsa44.sign(message, secretKey);
  const verify = (m: Uint8Array, sig: Uint8Array, externalMu = false) => pool.verify({ scheme: 'ml-dsa', parameterSet: 44, publicKey, message: m, externalMu, signature: sig });
  assert.equal(await verify(message, signature), true);
  const flipped = Uint8Array.from(signature);
  flipped[100]! ^= 1;
  assert.equal(await verify(message, flipped), false);
  assert.equal(await verify(message, signature.subarray(1)), false);
  assert.equal(await verify(randomBytes(64), signature), false);
  assert.equal(await verify(message, signature, true), false, 'a RAW signature is not one over μ = message');
});

test('a full queue refuses the job with ThrottlingException and zeroes the key it was given; the queued jobs still finish', async () => {
  assert.equal(pool.maxQueued, 64);
  const message = randomBytes(32);
  const jobs = Array.from({ length: pool.maxQueued }, () => pool.sign({ scheme: 'ml-dsa', parameterSet: 44, key: Uint8Array.from(secretKey), message, externalMu: false }));
  const refusedKey = Uint8Array.from(secretKey);
  await assert.rejects(pool.sign({ scheme: 'ml-dsa', parameterSet: 44, key: refusedKey, message, externalMu: false }), (e: Error) => {
    assert.ok(e instanceof ThrottlingException);
    assert.equal(e.message, 'Rate exceeded');
    return true;
  });
  assert.ok(refusedKey.every((b) => b === 0), 'the refused key is zeroed');
  for (const signature of await Promise.all(jobs)) assert.ok(ml_dsa44.verify(signature, message, publicKey));
  assert.equal(pool.inFlight, 0);
});

test('an error on the worker comes back as the same class and message; a closed pool restarts on the next job', async () => {
  await assert.rejects(pool.sign({ scheme: 'ml-dsa', parameterSet: 44, key: Uint8Array.from(secretKey), message: randomBytes(63), externalMu: true }), (e: Error) => {
    assert.ok(e instanceof RangeError);
    assert.equal(e.message, 'μ is 64 bytes, not 63');
    return true;
  });
  await pool.close();
  const message = randomBytes(10);
  assert.ok(ml_dsa44.verify(await pool.sign({ scheme: 'ml-dsa', parameterSet: 44, key: Uint8Array.from(secretKey), message, externalMu: false }), message, publicKey));
});
