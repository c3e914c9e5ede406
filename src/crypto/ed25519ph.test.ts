/**
 * Ed25519ph: RFC 8032's known answer, the JDK's EdDSA as the outside verifier, and AWS's "hashed
 * twice" reading of ED25519_PH_SHA_512 (a signature over the 64-byte input, not over the data the
 * caller hashed to get it).
 */
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { javaEd25519phUnavailable, javaEd25519phVerify } from '../../test/support/java-ed25519ph.ts';
import { ed25519phSign, ed25519phVerify, loadEd25519ph } from './ed25519ph.ts';
import { signingAlgorithmInfo } from './key-specs.ts';
import { signMessage, verifyMessage } from './signatures.ts';

const rfc = JSON.parse(readFileSync(new URL('../../test/vectors/signatures/ed25519ph-rfc8032.json', import.meta.url), 'utf8')) as {
  cases: { name: string; secretKey: string; publicKey: string; message: string; signature: string }[];
};
const h = (s: string) => Buffer.from(s, 'hex');
/** RFC 8410 PKCS#8 for a raw Ed25519 private key: the fixed 16-byte prefix, then the 32-byte seed. */
const ed25519Private = (seed: Buffer) => createPrivateKey({ key: Buffer.concat([h('302e020100300506032b657004220420'), seed]), format: 'der', type: 'pkcs8' });
const spkiOf = (key: ReturnType<typeof createPublicKey>) => new Uint8Array(key.export({ type: 'spki', format: 'der' }));
/** Adds the group order L to the little-endian scalar S: the same point equation, a non-canonical encoding. */
function withSPlusL(sig: Uint8Array): Buffer {
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const s = BigInt(`0x${Buffer.from(sig.subarray(32)).reverse().toString('hex')}`) + L;
  return Buffer.concat([sig.subarray(0, 32), Buffer.from(s.toString(16).padStart(64, '0'), 'hex').reverse()]);
}

/** Off CI a missing JDK skips the outside check; with CI=true it fails it, as the other outside tools do. */
const javaMissing = await javaEd25519phUnavailable();
const javaSkip = javaMissing !== undefined && process.env.CI !== 'true' ? javaMissing : false;

// @noble/curves loads on first need (Trent's async paths await it; these call the sync functions).
before(() => loadEd25519ph());

describe('Ed25519ph', () => {
  test('RFC 8032 §7.3 known answer through node:crypto key objects', () => {
    for (const v of rfc.cases) {
      const privateKey = ed25519Private(h(v.secretKey));
      const publicKey = createPublicKey(privateKey);
      assert.equal(Buffer.from(spkiOf(publicKey).subarray(12)).toString('hex'), v.publicKey, 'the RFC\'s public key');
      assert.equal(Buffer.from(ed25519phSign(privateKey, h(v.message))).toString('hex'), v.signature, v.name);
      assert.ok(ed25519phVerify(publicKey, h(v.message), h(v.signature)));
      assert.ok(!ed25519phVerify(publicKey, h(`${v.message}00`), h(v.signature)));
    }
  });

  test('Ed25519ph is not PureEdDSA: neither verifies the other\'s signature', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const input = randomBytes(64);
    const ph = ed25519phSign(privateKey, input);
    const pure = nodeSign(null, input, privateKey);
    assert.notDeepEqual(Buffer.from(ph), pure);
    assert.ok(!nodeVerify(null, input, publicKey, ph));
    assert.ok(!ed25519phVerify(publicKey, input, pure));
  });

  test('verification is strict RFC 8032: a non-canonical S (S + L) and malformed signatures fail', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const input = randomBytes(64);
    const sig = ed25519phSign(privateKey, input);
    assert.ok(ed25519phVerify(publicKey, input, sig));
    assert.ok(!ed25519phVerify(publicKey, input, withSPlusL(sig)));
    assert.ok(!ed25519phVerify(publicKey, input, sig.subarray(1)));
    assert.ok(!ed25519phVerify(publicKey, input, new Uint8Array(64)));
    assert.ok(!ed25519phVerify(generateKeyPairSync('ed25519').publicKey, input, sig));
  });

  test('ED25519_PH_SHA_512 takes DIGEST only, through signMessage / verifyMessage', () => {
    const alg = signingAlgorithmInfo('ED25519_PH_SHA_512');
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const digest = createHash('sha512').update('invoice 2041').digest();
    const sig = signMessage(privateKey, alg, digest, 'DIGEST');
    assert.deepEqual(Buffer.from(sig), Buffer.from(ed25519phSign(privateKey, digest)), 'deterministic, and the same function');
    assert.ok(verifyMessage(publicKey, alg, digest, 'DIGEST', sig));
    assert.ok(!verifyMessage(publicKey, alg, createHash('sha512').update('invoice 2042').digest(), 'DIGEST', sig));
    assert.throws(() => signMessage(privateKey, alg, digest, 'RAW'), RangeError);
  });

  test('the JDK verifies the RFC vector and Trent\'s signatures as Ed25519ph over the 64-byte input, not over its preimage', { skip: javaSkip }, async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const spki = spkiOf(publicKey);
    const data = Buffer.from('PetTracker export 2026-05-01.csv');
    const digest = createHash('sha512').update(data).digest();
    const sig = ed25519phSign(privateKey, digest);
    const v = rfc.cases[0]!;
    const rfcSpki = Buffer.concat([h('302a300506032b6570032100'), h(v.publicKey)]);
    const answers = await javaEd25519phVerify([
      { spki: rfcSpki, message: h(v.message), signature: h(v.signature) }, // control: the JDK computes PH itself
      { spki, message: digest, signature: sig }, // AWS: the input is hashed again
      { spki, message: data, signature: sig }, // a verifier fed the original data: single hash, fails
      { spki, message: digest, signature: withSPlusL(sig) },
      { spki, message: digest, signature: nodeSign(null, digest, privateKey) },
    ]);
    assert.deepEqual(answers, [true, true, false, false, false]);
  });
});
