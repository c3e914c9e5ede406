/**
 * The digest signing paths against node:crypto's own (hashing) sign/verify, both directions:
 * a DIGEST signature over H(m) must verify as a RAW signature over m, and the reverse.
 */
import assert from 'node:assert/strict';
import { createECDH, createHash, generateKeyPairSync, randomBytes, sign as nodeSign, verify as nodeVerify, constants } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { loadEd25519ph } from './ed25519ph.ts';
import { loadMlDsa } from './ml-dsa.ts';
import { CURVES, decodeSignature, ecdsaSignDigest, ecdsaVerifyDigest, encodeSignature, modInverse, multiplyBase } from './ecdsa-digest.ts';
import { keySpecInfo, signingAlgorithmInfo, type EcCurve, type HashName } from './key-specs.ts';
import { pkcs1SignDigest, pkcs1VerifyDigest, pssSignDigest, pssVerifyDigest } from './rsa-digest.ts';
import { signMessage, verifyMessage } from './signatures.ts';

const CURVE_HASH: [EcCurve, HashName][] = [['prime256v1', 'sha256'], ['secp384r1', 'sha384'], ['secp521r1', 'sha512'], ['secp256k1', 'sha256']];

// The noble-based schemes load on first need (Trent's async paths await it; these call the sync functions).
before(() => Promise.all([loadMlDsa(), loadEd25519ph()]));

describe('ECDSA over a digest', () => {
  for (const [curve, hash] of CURVE_HASH) {
    test(`${curve}: domain parameters agree with OpenSSL's scalar multiplication`, () => {
      const c = CURVES[curve];
      assert.equal((c.gy ** 2n - (c.gx ** 3n + c.a * c.gx + c.b)) % c.p, 0n, 'G is on the curve');
      assert.equal(multiplyBase(curve, c.n), undefined, 'n·G is the point at infinity');
      for (let i = 0; i < 3; i++) {
        const k = (BigInt(`0x${randomBytes(80).toString('hex')}`) % (c.n - 1n)) + 1n;
        const ecdh = createECDH(curve);
        ecdh.setPrivateKey(Buffer.from(k.toString(16).padStart(Math.ceil(c.nBits / 8) * 2, '0'), 'hex'));
        const pub = ecdh.getPublicKey();
        const mine = multiplyBase(curve, k)!;
        assert.equal(mine.x, BigInt(`0x${pub.subarray(1, 1 + c.fieldBytes).toString('hex')}`));
        assert.equal(mine.y, BigInt(`0x${pub.subarray(1 + c.fieldBytes).toString('hex')}`));
      }
    });

    test(`${curve}: digest signatures verify with node:crypto and node:crypto signatures verify here`, () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      for (let i = 0; i < 4; i++) {
        const message = randomBytes(1 + i * 37);
        const digest = createHash(hash).update(message).digest();
        const sig = ecdsaSignDigest(privateKey, curve, digest);
        assert.ok(nodeVerify(hash, message, { key: publicKey, dsaEncoding: 'der' }, sig), 'node verifies our signature');
        assert.ok(ecdsaVerifyDigest(publicKey, curve, digest, sig), 'we verify our signature');
        const theirs = nodeSign(hash, message, { key: privateKey, dsaEncoding: 'der' });
        assert.ok(ecdsaVerifyDigest(publicKey, curve, digest, theirs), 'we verify node\'s signature');
        const other = createHash(hash).update(Buffer.concat([message, Buffer.from([1])])).digest();
        assert.ok(!ecdsaVerifyDigest(publicKey, curve, other, sig), 'another digest fails');
        const bad = Buffer.from(sig);
        bad[bad.length - 1]! ^= 1;
        assert.ok(!ecdsaVerifyDigest(publicKey, curve, digest, bad), 'a changed signature fails');
      }
    });
  }

  test('DER round trip is strict', () => {
    const n = CURVES.secp521r1.n;
    for (const [r, s] of [[1n, 1n], [n - 1n, n - 2n], [0x80n, 0x7fn]] as const) {
      assert.deepEqual(decodeSignature(encodeSignature(r, s)), { r, s });
    }
    assert.equal(decodeSignature(Uint8Array.from([0x30, 0x06, 0x02, 0x01, 0x80, 0x02, 0x01, 0x01])), undefined, 'negative r');
    assert.equal(decodeSignature(Uint8Array.from([0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01])), undefined, 'non-minimal r');
    assert.equal(decodeSignature(Uint8Array.from([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00])), undefined, 'trailing byte');
    assert.equal(modInverse(3n, 7n), 5n);
  });
});

describe('RSA over a digest', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  for (const hash of ['sha256', 'sha384', 'sha512'] as const) {
    test(`PSS ${hash}: both directions against node:crypto`, () => {
      const message = randomBytes(100);
      const digest = createHash(hash).update(message).digest();
      const pss = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST };
      const sig = pssSignDigest(privateKey, hash, digest);
      assert.ok(nodeVerify(hash, message, { key: publicKey, ...pss }, sig));
      assert.ok(pssVerifyDigest(publicKey, hash, digest, sig));
      assert.ok(pssVerifyDigest(publicKey, hash, digest, nodeSign(hash, message, { key: privateKey, ...pss })));
      assert.ok(!pssVerifyDigest(publicKey, hash, createHash(hash).update('x').digest(), sig));
      // A salt of another length is not what KMS makes or accepts.
      assert.ok(!pssVerifyDigest(publicKey, hash, digest, nodeSign(hash, message, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 0 })));
    });

    test(`PKCS#1 v1.5 ${hash}: identical to node:crypto's (deterministic)`, () => {
      const message = randomBytes(100);
      const digest = createHash(hash).update(message).digest();
      const sig = pkcs1SignDigest(privateKey, hash, digest);
      assert.deepEqual(Buffer.from(sig), nodeSign(hash, message, privateKey));
      assert.ok(pkcs1VerifyDigest(publicKey, hash, digest, sig));
      assert.ok(!pkcs1VerifyDigest(publicKey, hash, createHash(hash).update('x').digest(), sig));
      assert.ok(!pkcs1VerifyDigest(publicKey, hash, digest, randomBytes(256)));
    });
  }
});

describe('signMessage / verifyMessage', () => {
  test('every implemented algorithm of every supported spec round-trips RAW and DIGEST, and rejects a tampered message', () => {
    const keys = {
      rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }),
      prime256v1: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }),
      secp384r1: generateKeyPairSync('ec', { namedCurve: 'secp384r1' }),
      secp521r1: generateKeyPairSync('ec', { namedCurve: 'secp521r1' }),
      secp256k1: generateKeyPairSync('ec', { namedCurve: 'secp256k1' }),
      ed25519: generateKeyPairSync('ed25519'),
    };
    let checked = 0;
    for (const spec of ['RSA_2048', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1', 'ECC_NIST_EDWARDS25519']) {
      const info = keySpecInfo(spec);
      const m = info.material;
      const pair = m.kind === 'rsa' ? keys.rsa : m.kind === 'ec' ? keys[m.curve] : keys.ed25519;
      for (const name of info.signingAlgorithms) {
        const alg = signingAlgorithmInfo(name);
        if (alg.unsupportedReason) continue;
        for (const type of alg.messageTypes) {
          const raw = Buffer.from('the message');
          const message = type === 'DIGEST' ? createHash(alg.hash).update(raw).digest() : raw;
          const sig = signMessage(pair.privateKey, alg, message, type);
          assert.ok(verifyMessage(pair.publicKey, alg, message, type, sig), `${spec} ${name} ${type}`);
          const other = Buffer.from(message);
          other[0]! ^= 1;
          assert.ok(!verifyMessage(pair.publicKey, alg, other, type, sig), `${spec} ${name} ${type} tampered`);
          assert.ok(!verifyMessage(pair.publicKey, alg, message, type, Uint8Array.from([1, 2, 3])), `${spec} ${name} ${type} garbage`);
          checked++;
        }
      }
    }
    // RSA: 6 algorithms × RAW/DIGEST; four ECDSA curves × RAW/DIGEST; Ed25519: ED25519_SHA_512 RAW and ED25519_PH_SHA_512 DIGEST.
    assert.equal(checked, 6 * 2 + 4 * 2 + 2);
  });
});
