/**
 * ML-DSA: NIST ACVP key-generation known answers, encodings byte-identical to pyca/cryptography's
 * (its own OpenSSL), signatures that pyca verifies, and EXTERNAL_MU against a μ computed here from
 * FIPS 204's definition with node:crypto's SHAKE256 — none of it trusting @noble/post-quantum.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { pycaMlDsa, pycaMlDsaUnavailable } from '../../test/support/pyca-mldsa.ts';
import { generateKeyMaterial, publicKeyDer, signingKeyOf, verifyingKeyOf } from './key-material.ts';
import { keySpecInfo, signingAlgorithmInfo } from './key-specs.ts';
import {
  loadMlDsa, ML_DSA_MU_BYTES, mlDsaKeyFromSeed, mlDsaKeyOf, mlDsaPkcs8, mlDsaPublicKeyOf, mlDsaSign, mlDsaSpki, mlDsaVerify, parseMlDsaPkcs8,
  type MlDsaParameterSet,
} from './ml-dsa.ts';
import { systemRng } from './rng.ts';
import { signMessage, verifyMessage } from './signatures.ts';

// @noble/post-quantum loads on first need (Trent's async paths await it; these call the sync functions).
before(() => loadMlDsa());

const SETS: readonly MlDsaParameterSet[] = [44, 65, 87];
/** FIPS 204 Table 2 (pk, sig) and RFC 9881's SubjectPublicKeyInfo (pk + 22 bytes of DER). */
const SIZES = { 44: { pk: 1312, sig: 2420, spki: 1334 }, 65: { pk: 1952, sig: 3309, spki: 1974 }, 87: { pk: 2592, sig: 4627, spki: 2614 } } as const;

const acvp = JSON.parse(readFileSync(new URL('../../test/vectors/signatures/ml-dsa-acvp-keygen.json', import.meta.url), 'utf8')) as {
  cases: { tcId: number; parameterSet: string; seed: string; pk: string }[];
};
const setOf = (name: string) => Number(name.slice('ML-DSA-'.length)) as MlDsaParameterSet;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** μ = H(tr ‖ M′, 64) with tr = H(pk, 64) and M′ = 0 ‖ |ctx| ‖ ctx ‖ M, ctx empty (FIPS 204 Alg. 2 line 10, Alg. 7 lines 6–7). */
function mu(publicKey: Uint8Array, message: Uint8Array): Buffer {
  const tr = createHash('shake256', { outputLength: 64 }).update(publicKey).digest();
  return createHash('shake256', { outputLength: ML_DSA_MU_BYTES }).update(tr).update(Uint8Array.of(0, 0)).update(message).digest();
}

/** Off CI a missing pyca/cryptography skips the outside checks; with CI=true it fails them, as the other outside tools do. */
const pycaMissing = await pycaMlDsaUnavailable();
const pycaSkip = pycaMissing !== undefined && process.env.CI !== 'true' ? pycaMissing : false;

describe('ML-DSA keys', () => {
  test('NIST ACVP keyGen: the seed gives the published public key, through the stored PKCS#8 form too', () => {
    assert.equal(acvp.cases.length, 3);
    for (const c of acvp.cases) {
      const set = setOf(c.parameterSet);
      const seed = Buffer.from(c.seed, 'hex');
      assert.equal(hex(mlDsaKeyFromSeed(set, seed).publicKey), c.pk, `tcId ${c.tcId}`);
      const material = mlDsaPkcs8(set, seed);
      const key = mlDsaKeyOf(material)!;
      assert.equal(key.parameterSet, set);
      assert.equal(hex(key.publicKey), c.pk);
      const spki = publicKeyDer(material);
      assert.equal(spki.length, SIZES[set].spki);
      assert.equal(hex(spki.subarray(spki.length - SIZES[set].pk)), c.pk, 'the SubjectPublicKeyInfo carries pk');
    }
  });

  test('PKCS#8 and SubjectPublicKeyInfo are byte-identical to pyca/cryptography\'s for the same seed', { skip: pycaSkip }, async () => {
    const cases = [
      ...acvp.cases.map((c) => ({ parameterSet: setOf(c.parameterSet), seed: Buffer.from(c.seed, 'hex') })),
      ...SETS.map((parameterSet) => ({ parameterSet, seed: randomBytes(32) })),
    ];
    const theirs = await pycaMlDsa({ keys: cases });
    cases.forEach((c, i) => {
      const material = mlDsaPkcs8(c.parameterSet, c.seed);
      assert.deepEqual(Buffer.from(material), theirs.keys[i]!.pkcs8, `PKCS#8 ${c.parameterSet}`);
      assert.equal(material.length, 54);
      assert.deepEqual(Buffer.from(mlDsaSpki(mlDsaKeyOf(material)!)), theirs.keys[i]!.spki, `SPKI ${c.parameterSet}`);
    });
  });

  test('generated material is the 54-byte seed form, one per parameter set, from the Rng', async () => {
    for (const set of SETS) {
      const material = await generateKeyMaterial(keySpecInfo(`ML_DSA_${set}`).material, systemRng);
      assert.equal(material.length, 54);
      assert.equal(parseMlDsaPkcs8(material)?.parameterSet, set);
      assert.equal(publicKeyDer(material).length, SIZES[set].spki);
    }
    const a = await generateKeyMaterial({ kind: 'ml-dsa', parameterSet: 44 }, systemRng);
    const b = await generateKeyMaterial({ kind: 'ml-dsa', parameterSet: 44 }, systemRng);
    assert.notDeepEqual(a, b);
  });

  test('only the exact seed form parses; other material is not ML-DSA', () => {
    const good = mlDsaPkcs8(65, randomBytes(32));
    assert.ok(parseMlDsaPkcs8(good));
    assert.equal(parseMlDsaPkcs8(good.subarray(0, 53)), undefined, 'short');
    assert.equal(parseMlDsaPkcs8(Buffer.concat([good, Buffer.of(0)])), undefined, 'trailing byte');
    const otherOid = Buffer.from(good);
    otherOid[17] = 0x14; // id-slh-dsa-… / not an ML-DSA parameter set
    assert.equal(parseMlDsaPkcs8(otherOid), undefined, 'unknown OID');
    const expandedTag = Buffer.from(good);
    expandedTag[20] = 0x04; // OCTET STRING (expandedKey) instead of [0] seed
    assert.equal(parseMlDsaPkcs8(expandedTag), undefined, 'not the seed choice');
    const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'der' });
    assert.equal(mlDsaKeyOf(new Uint8Array(ed)), undefined);
    assert.throws(() => mlDsaPkcs8(44, randomBytes(31)), RangeError);
  });
});

describe('ML-DSA signatures', () => {
  const keys = Object.fromEntries(SETS.map((s) => [s, mlDsaKeyOf(mlDsaPkcs8(s, randomBytes(32)))!])) as Record<MlDsaParameterSet, NonNullable<ReturnType<typeof mlDsaKeyOf>>>;
  const message = new TextEncoder().encode('PetTracker firmware 4.2.0 manifest');

  test('RAW: FIPS 204 sizes, round trip, hedged, tamper and garbage fail', () => {
    for (const set of SETS) {
      const k = keys[set];
      const sig = mlDsaSign(k, message, false);
      assert.equal(sig.length, SIZES[set].sig);
      assert.ok(mlDsaVerify(mlDsaPublicKeyOf(k), message, false, sig));
      assert.notDeepEqual(mlDsaSign(k, message, false), sig, 'hedged: fresh randomness per signature');
      const other = Buffer.from(message);
      other[0]! ^= 1;
      assert.ok(!mlDsaVerify(k, other, false, sig), 'other message');
      const bad = Buffer.from(sig);
      bad[7]! ^= 1;
      assert.ok(!mlDsaVerify(k, message, false, bad), 'changed signature');
      assert.ok(!mlDsaVerify(k, message, false, sig.subarray(1)), 'short signature');
      assert.ok(!mlDsaVerify(k, message, false, randomBytes(SIZES[set].sig)), 'random signature');
      assert.ok(!mlDsaVerify(keys[set === 44 ? 65 : 44], message, false, sig), 'other key');
    }
  });

  test('EXTERNAL_MU: μ computed here from FIPS 204 signs what RAW signs, in both directions', () => {
    for (const set of SETS) {
      const k = keys[set];
      const m = mu(k.publicKey, message);
      const fromMu = mlDsaSign(k, m, true);
      assert.ok(mlDsaVerify(k, message, false, fromMu), 'μ signature verifies as RAW over M');
      assert.ok(mlDsaVerify(k, m, true, mlDsaSign(k, message, false)), 'RAW signature verifies over μ');
      assert.ok(!mlDsaVerify(k, mu(k.publicKey, Buffer.from('another')), true, fromMu));
      assert.ok(!mlDsaVerify(k, m.subarray(1), true, fromMu), 'μ of the wrong length');
      assert.throws(() => mlDsaSign(k, m.subarray(1), true), RangeError);
    }
  });

  test('pyca/cryptography verifies RAW and μ signatures over M, and rejects a tampered one', { skip: pycaSkip }, async () => {
    const cases = SETS.flatMap((set) => {
      const k = keys[set];
      const spki = mlDsaSpki(k);
      const bad = Buffer.from(mlDsaSign(k, message, false));
      bad[100]! ^= 0x40;
      return [
        { spki, message, signature: mlDsaSign(k, message, false) },
        { spki, message, signature: mlDsaSign(k, mu(k.publicKey, message), true) },
        { spki, message, signature: bad },
      ];
    });
    const { verify } = await pycaMlDsa({ verify: cases });
    assert.deepEqual(verify.map((v) => v.valid), SETS.flatMap(() => [true, true, false]));
    assert.deepEqual(verify.filter((_, i) => i % 3 === 0).map((v) => v.keyType), ['MLDSA44PublicKey', 'MLDSA65PublicKey', 'MLDSA87PublicKey']);
  });

  test('signMessage / verifyMessage dispatch ML_DSA_SHAKE_256 to the material\'s key, and refuse a mismatched key family', () => {
    const alg = signingAlgorithmInfo('ML_DSA_SHAKE_256');
    const material = mlDsaPkcs8(87, randomBytes(32));
    const sig = signMessage(signingKeyOf(material), alg, message, 'RAW');
    assert.equal(sig.length, 4627);
    assert.ok(verifyMessage(verifyingKeyOf(material), alg, message, 'RAW', sig));
    assert.ok(verifyMessage(verifyingKeyOf(material), alg, mu(keys[87].publicKey, message), 'EXTERNAL_MU', sig) === false, 'another key\'s μ');
    assert.ok(verifyMessage(verifyingKeyOf(material), alg, mu(mlDsaKeyOf(material)!.publicKey, message), 'EXTERNAL_MU', sig));
    const ed = generateKeyPairSync('ed25519');
    assert.throws(() => signMessage(ed.privateKey, alg, message, 'RAW'), RangeError);
    assert.throws(() => signMessage(signingKeyOf(material), signingAlgorithmInfo('ED25519_SHA_512'), message, 'RAW'), RangeError);
    assert.throws(() => signMessage(signingKeyOf(material), alg, randomBytes(64), 'DIGEST'), RangeError);
  });
});
