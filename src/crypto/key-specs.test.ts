/** The key-spec table: lookups, AWS's size facts, and that every listed algorithm exists. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ValidationException } from '../shared/errors.ts';
import { hmac, hmacVerify } from './hmac.ts';
import {
  encryptionAlgorithmInfo, KEY_SPECS, keySpecInfo, macAlgorithmInfo, rsaMaxPlaintext, signingAlgorithmInfo,
} from './key-specs.ts';

describe('key-spec table', () => {
  test('unknown names (even __proto__) are ValidationException, never undefined', () => {
    for (const f of [keySpecInfo, signingAlgorithmInfo, encryptionAlgorithmInfo, macAlgorithmInfo]) {
      for (const bad of ['__proto__', 'constructor', 'toString', 'nope', '']) assert.throws(() => f(bad), ValidationException);
    }
    assert.throws(() => macAlgorithmInfo('INVALID'), {
      message: "1 validation error detected: Value 'INVALID' at 'macAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]",
    });
  });

  test('every algorithm a spec lists exists, and every usage has its algorithms', () => {
    for (const spec of KEY_SPECS) {
      const info = keySpecInfo(spec);
      info.signingAlgorithms.forEach((a) => signingAlgorithmInfo(a));
      info.encryptionAlgorithms.forEach((a) => encryptionAlgorithmInfo(a));
      info.macAlgorithms.forEach((a) => macAlgorithmInfo(a));
      if (info.usages.includes('SIGN_VERIFY')) assert.ok(info.signingAlgorithms.length > 0, spec);
      if (info.usages.includes('ENCRYPT_DECRYPT')) assert.ok(info.encryptionAlgorithms.length > 0, spec);
      if (info.usages.includes('GENERATE_VERIFY_MAC')) assert.ok(info.macAlgorithms.length > 0, spec);
      if (info.usages.includes('KEY_AGREEMENT')) assert.deepEqual(info.keyAgreementAlgorithms, ['ECDH']);
      assert.equal(info.supported, info.unsupportedReason === undefined, spec);
    }
  });

  test('RSAES-OAEP plaintext limits are AWS\'s (k − 2·hLen − 2)', () => {
    const expected = { RSA_2048: [214, 190], RSA_3072: [342, 318], RSA_4096: [470, 446] } as const;
    for (const [spec, [sha1, sha256]] of Object.entries(expected)) {
      assert.equal(rsaMaxPlaintext(keySpecInfo(spec), encryptionAlgorithmInfo('RSAES_OAEP_SHA_1')), sha1);
      assert.equal(rsaMaxPlaintext(keySpecInfo(spec), encryptionAlgorithmInfo('RSAES_OAEP_SHA_256')), sha256);
    }
  });
});

describe('HMAC', () => {
  // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
  const vectors = {
    sha224: 'a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44',
    sha256: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    sha384: 'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649',
    sha512: '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
  } as const;
  test('RFC 4231 known answers for every MAC algorithm', () => {
    const key = Buffer.from('Jefe');
    const data = Buffer.from('what do ya want for nothing?');
    for (const alg of ['HMAC_SHA_224', 'HMAC_SHA_256', 'HMAC_SHA_384', 'HMAC_SHA_512'] as const) {
      const info = macAlgorithmInfo(alg);
      const mac = hmac(info.hash, key, data);
      assert.equal(Buffer.from(mac).toString('hex'), vectors[info.hash as keyof typeof vectors]);
      assert.equal(mac.length, info.macLength);
      assert.ok(hmacVerify(info.hash, key, data, mac));
      assert.ok(!hmacVerify(info.hash, key, data, mac.subarray(1)));
    }
  });
});
