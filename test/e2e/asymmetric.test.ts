/**
 * Asymmetric keys through @aws-sdk/client-kms: CreateKey/DescribeKey per spec, Sign/Verify for
 * every implemented algorithm and message type (each signature checked by the OpenSSL CLI with
 * the public key from GetPublicKey), RSA Encrypt/Decrypt (OpenSSL encrypts, Trent decrypts),
 * JWT RS256/ES256, and AWS's error texts.
 */
import assert from 'node:assert/strict';
import { constants, createHash, createPublicKey, generateKeyPairSync, randomBytes, verify as nodeVerify } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  GetPublicKeyCommand,
  ReEncryptCommand,
  SignCommand,
  VerifyCommand,
  type KeySpec,
  type KeyUsageType,
  type MessageType,
  type SigningAlgorithmSpec,
} from '@aws-sdk/client-kms';
import { keySpecInfo, signingAlgorithmInfo } from '../../src/crypto/key-specs.ts';
import { oaepEncrypt } from '../../src/crypto/rsa-oaep.ts';
import { rejectsWith } from '../support/assert-aws.ts';
import { opensslOaepDecrypt, opensslOaepEncrypt, opensslVerify, type SignatureKind } from '../support/openssl.ts';
import { signedKmsRequest } from '../support/signed-request.ts';
import { startTrent, type Harness } from '../support/trent.ts';

let h: Harness;
const keys = new Map<string, { id: string; arn: string }>();
const name = (spec: string, usage: string) => `${spec}/${usage}`;
const key = (spec: string, usage: string) => keys.get(name(spec, usage))!;

const SIGNING_SPECS = ['RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1', 'ECC_NIST_EDWARDS25519'] as const;
const RSA_SPECS = ['RSA_2048', 'RSA_3072', 'RSA_4096'] as const;
const AGREEMENT_SPECS = ['ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521'] as const;

before(async () => {
  h = await startTrent();
  const wanted: [string, KeyUsageType][] = [
    ...SIGNING_SPECS.map((s) => [s, 'SIGN_VERIFY'] as [string, KeyUsageType]),
    ...RSA_SPECS.map((s) => [s, 'ENCRYPT_DECRYPT'] as [string, KeyUsageType]),
    ...AGREEMENT_SPECS.map((s) => [s, 'KEY_AGREEMENT'] as [string, KeyUsageType]),
    ['SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT'],
    ['HMAC_256', 'GENERATE_VERIFY_MAC'],
  ];
  // Key generation runs on the thread pool: make them all at once (RSA-4096 takes seconds).
  await Promise.all(wanted.map(async ([spec, usage]) => {
    const md = (await h.kms.send(new CreateKeyCommand({ KeySpec: spec as KeySpec, KeyUsage: usage, Description: `${spec} ${usage}` }))).KeyMetadata!;
    keys.set(name(spec, usage), { id: md.KeyId!, arn: md.Arn! });
  }));
});
after(async () => {
  await h.stop();
});

const bytes = (s: string) => new TextEncoder().encode(s);

describe('CreateKey / DescribeKey for asymmetric specs', () => {
  test('DescribeKey lists the algorithms of the key\'s usage only, as AWS does', async () => {
    const expected: Record<string, Record<string, string[]>> = {
      'RSA_2048/SIGN_VERIFY': { SigningAlgorithms: ['RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512', 'RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512'] },
      'RSA_4096/ENCRYPT_DECRYPT': { EncryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] },
      // Recorded against AWS (imported ECC keys): one ECDSA algorithm per curve.
      'ECC_NIST_P256/SIGN_VERIFY': { SigningAlgorithms: ['ECDSA_SHA_256'] },
      'ECC_NIST_P384/SIGN_VERIFY': { SigningAlgorithms: ['ECDSA_SHA_384'] },
      'ECC_NIST_P521/SIGN_VERIFY': { SigningAlgorithms: ['ECDSA_SHA_512'] },
      'ECC_SECG_P256K1/SIGN_VERIFY': { SigningAlgorithms: ['ECDSA_SHA_256'] },
      'ECC_NIST_EDWARDS25519/SIGN_VERIFY': { SigningAlgorithms: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'] },
      'ECC_NIST_P384/KEY_AGREEMENT': { KeyAgreementAlgorithms: ['ECDH'] },
    };
    for (const [k, algs] of Object.entries(expected)) {
      const [spec, usage] = k.split('/') as [string, string];
      const md = (await h.kms.send(new DescribeKeyCommand({ KeyId: key(spec, usage).id }))).KeyMetadata!;
      assert.equal(md.KeySpec, spec);
      assert.equal(md.CustomerMasterKeySpec, spec);
      assert.equal(md.KeyUsage, usage);
      assert.equal(md.KeyState, 'Enabled');
      assert.equal(md.Origin, 'AWS_KMS');
      assert.equal(md.CurrentKeyMaterialId, undefined, 'only symmetric keys report CurrentKeyMaterialId');
      for (const field of ['EncryptionAlgorithms', 'SigningAlgorithms', 'MacAlgorithms', 'KeyAgreementAlgorithms'] as const) {
        assert.deepEqual(md[field], algs[field], `${k} ${field}`);
      }
    }
  });

  test('KeyUsage rules and AWS\'s texts', async () => {
    await rejectsWith(h.kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048' })), 'ValidationException', 'You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.');
    await rejectsWith(h.kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_EDWARDS25519' })), 'ValidationException', 'You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.');
    // Recorded against AWS.
    await rejectsWith(h.kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'KEY_AGREEMENT' })), 'ValidationException', 'KeyUsage KEY_AGREEMENT is not compatible with KeySpec RSA_2048');
    for (const [spec, usage] of [['ECC_SECG_P256K1', 'KEY_AGREEMENT'], ['ECC_NIST_EDWARDS25519', 'KEY_AGREEMENT'], ['ECC_NIST_P256', 'ENCRYPT_DECRYPT'], ['RSA_3072', 'GENERATE_VERIFY_MAC'], ['ML_DSA_44', 'ENCRYPT_DECRYPT']] as const) {
      await rejectsWith(h.kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: usage })), 'ValidationException', `KeyUsage ${usage} is not compatible with KeySpec ${spec}`);
    }
  });

  // ML_DSA_* keys: test/e2e/ml-dsa.test.ts.
  test('SM2 is refused with a clear UnsupportedOperationException', async () => {
    await rejectsWith(h.kms.send(new CreateKeyCommand({ KeySpec: 'SM2', KeyUsage: 'SIGN_VERIFY' })), 'UnsupportedOperationException', /^KeySpec SM2 is not supported by Trent/);
  });
});

describe('GetPublicKey', () => {
  test('returns a DER SubjectPublicKeyInfo of the key\'s type, with the metadata fields', async () => {
    const shapes: Record<string, (k: ReturnType<typeof createPublicKey>) => boolean> = {
      RSA_2048: (k) => k.asymmetricKeyType === 'rsa' && k.asymmetricKeyDetails?.modulusLength === 2048,
      RSA_3072: (k) => k.asymmetricKeyType === 'rsa' && k.asymmetricKeyDetails?.modulusLength === 3072,
      RSA_4096: (k) => k.asymmetricKeyType === 'rsa' && k.asymmetricKeyDetails?.modulusLength === 4096,
      ECC_NIST_P256: (k) => k.asymmetricKeyDetails?.namedCurve === 'prime256v1',
      ECC_NIST_P384: (k) => k.asymmetricKeyDetails?.namedCurve === 'secp384r1',
      ECC_NIST_P521: (k) => k.asymmetricKeyDetails?.namedCurve === 'secp521r1',
      ECC_SECG_P256K1: (k) => k.asymmetricKeyDetails?.namedCurve === 'secp256k1',
      ECC_NIST_EDWARDS25519: (k) => k.asymmetricKeyType === 'ed25519',
    };
    for (const spec of SIGNING_SPECS) {
      const r = await h.kms.send(new GetPublicKeyCommand({ KeyId: key(spec, 'SIGN_VERIFY').id }));
      assert.equal(r.KeyId, key(spec, 'SIGN_VERIFY').arn);
      assert.equal(r.KeySpec, spec);
      assert.equal(r.CustomerMasterKeySpec, spec);
      assert.equal(r.KeyUsage, 'SIGN_VERIFY');
      assert.deepEqual(r.SigningAlgorithms, [...keySpecInfo(spec).signingAlgorithms]);
      assert.equal(r.EncryptionAlgorithms, undefined);
      const pub = createPublicKey({ key: Buffer.from(r.PublicKey!), format: 'der', type: 'spki' });
      assert.ok(shapes[spec]!(pub), spec);
    }
    const enc = await h.kms.send(new GetPublicKeyCommand({ KeyId: key('RSA_2048', 'ENCRYPT_DECRYPT').id }));
    assert.deepEqual(enc.EncryptionAlgorithms, ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256']);
    assert.equal(enc.SigningAlgorithms, undefined);
    const agree = await h.kms.send(new GetPublicKeyCommand({ KeyId: key('ECC_NIST_P521', 'KEY_AGREEMENT').id }));
    assert.deepEqual(agree.KeyAgreementAlgorithms, ['ECDH']);
    assert.equal(agree.KeyUsage, 'KEY_AGREEMENT');
  });

  test('symmetric and HMAC keys have no public key; a disabled key is DisabledException', async () => {
    for (const [spec, usage] of [['SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT'], ['HMAC_256', 'GENERATE_VERIFY_MAC']] as const) {
      const k = key(spec, usage);
      await rejectsWith(h.kms.send(new GetPublicKeyCommand({ KeyId: k.id })), 'UnsupportedOperationException', `${k.arn} key spec is ${spec} which is not valid for GetPublicKey.`);
    }
    const md = (await h.kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!;
    await h.kms.send(new DisableKeyCommand({ KeyId: md.KeyId }));
    await rejectsWith(h.kms.send(new GetPublicKeyCommand({ KeyId: md.KeyId })), 'DisabledException', `${md.Arn} is disabled.`);
    await rejectsWith(h.kms.send(new SignCommand({ KeyId: md.KeyId, Message: bytes('x'), SigningAlgorithm: 'ECDSA_SHA_256' })), 'DisabledException', `${md.Arn} is disabled.`);
  });
});

describe('Sign / Verify', () => {
  test('every algorithm of every spec, RAW and DIGEST: Trent verifies, OpenSSL verifies with the GetPublicKey key, tampering fails', async () => {
    let checked = 0;
    for (const spec of SIGNING_SPECS) {
      const k = key(spec, 'SIGN_VERIFY');
      const publicKeyDer = (await h.kms.send(new GetPublicKeyCommand({ KeyId: k.id }))).PublicKey!;
      for (const algorithm of keySpecInfo(spec).signingAlgorithms) {
        const alg = signingAlgorithmInfo(algorithm);
        // No Ed25519ph in OpenSSL 3.0's CLI: test/e2e/ed25519ph.test.ts verifies it with the JDK.
        if (alg.unsupportedReason || alg.scheme === 'ed25519ph') continue;
        for (const messageType of alg.messageTypes) {
          const raw = bytes(`PetTracker release manifest ${spec} ${algorithm}`);
          const message = messageType === 'DIGEST' ? createHash(alg.hash).update(raw).digest() : raw;
          const what = `${spec} ${algorithm} ${messageType}`;
          const s = await h.kms.send(new SignCommand({ KeyId: k.id, Message: message, MessageType: messageType as MessageType, SigningAlgorithm: algorithm }));
          assert.equal(s.KeyId, k.arn);
          assert.equal(s.SigningAlgorithm, algorithm);
          const v = await h.kms.send(new VerifyCommand({ KeyId: k.id, Message: message, MessageType: messageType as MessageType, Signature: s.Signature, SigningAlgorithm: algorithm }));
          assert.equal(v.SignatureValid, true, what);
          assert.equal(v.KeyId, k.arn);
          assert.ok(await opensslVerify({ kind: alg.scheme as SignatureKind, hash: alg.hash, publicKeyDer, message, messageType: messageType as 'RAW' | 'DIGEST', signature: s.Signature! }), `openssl: ${what}`);
          // The digest of a RAW message signs the same thing: OpenSSL's pkeyutl check over the digest agrees.
          if (messageType === 'RAW' && alg.scheme !== 'ed25519') {
            assert.ok(await opensslVerify({ kind: alg.scheme as SignatureKind, hash: alg.hash, publicKeyDer, message: createHash(alg.hash).update(raw).digest(), messageType: 'DIGEST', signature: s.Signature! }), `openssl digest: ${what}`);
          }
          const tampered = Buffer.from(message);
          tampered[0]! ^= 1;
          await rejectsWith(h.kms.send(new VerifyCommand({ KeyId: k.id, Message: tampered, MessageType: messageType as MessageType, Signature: s.Signature, SigningAlgorithm: algorithm })), 'KMSInvalidSignatureException');
          const badSig = Buffer.from(s.Signature!);
          badSig[badSig.length - 2]! ^= 1;
          await rejectsWith(h.kms.send(new VerifyCommand({ KeyId: k.id, Message: message, MessageType: messageType as MessageType, Signature: badSig, SigningAlgorithm: algorithm })), 'KMSInvalidSignatureException');
          checked++;
        }
      }
    }
    assert.equal(checked, 3 * 6 * 2 + 4 * 2 + 1);
  });

  test('a DIGEST signature verifies as RAW of the message and vice versa (no double hashing)', async () => {
    const k = key('ECC_SECG_P256K1', 'SIGN_VERIFY');
    const message = bytes('transfer 1 ETH');
    const digest = createHash('sha256').update(message).digest();
    const s = await h.kms.send(new SignCommand({ KeyId: k.id, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }));
    assert.equal((await h.kms.send(new VerifyCommand({ KeyId: k.id, Message: message, Signature: s.Signature, SigningAlgorithm: 'ECDSA_SHA_256' }))).SignatureValid, true);
    await rejectsWith(h.kms.send(new VerifyCommand({ KeyId: k.id, Message: digest, MessageType: 'RAW', Signature: s.Signature, SigningAlgorithm: 'ECDSA_SHA_256' })), 'KMSInvalidSignatureException');
  });

  test('AWS\'s errors: digest length, algorithm/spec mismatch, message types, key usage, DryRun, sizes', async () => {
    const rsa = key('RSA_2048', 'SIGN_VERIFY');
    // Recorded against AWS: "Digest is invalid length for algorithm RSASSA_PSS_SHA_256."
    for (const algorithm of keySpecInfo('RSA_2048').signingAlgorithms) {
      await rejectsWith(h.kms.send(new SignCommand({ KeyId: rsa.id, Message: bytes('test message !%$@ 1234567890'), MessageType: 'DIGEST', SigningAlgorithm: algorithm })), 'ValidationException', `Digest is invalid length for algorithm ${algorithm}.`);
      await rejectsWith(h.kms.send(new VerifyCommand({ KeyId: rsa.id, Message: bytes('bad message 321'), MessageType: 'DIGEST', Signature: randomBytes(256), SigningAlgorithm: algorithm })), 'ValidationException', `Digest is invalid length for algorithm ${algorithm}.`);
    }
    for (const [spec, algorithm] of [['ECC_NIST_P256', 'ECDSA_SHA_256'], ['ECC_NIST_P384', 'ECDSA_SHA_384'], ['ECC_SECG_P256K1', 'ECDSA_SHA_256']] as const) {
      await rejectsWith(h.kms.send(new SignCommand({ KeyId: key(spec, 'SIGN_VERIFY').id, Message: randomBytes(20), MessageType: 'DIGEST', SigningAlgorithm: algorithm })), 'ValidationException', `Digest is invalid length for algorithm ${algorithm}.`);
    }
    // The algorithm must be one the key spec lists (InvalidKeyUsageException, AWS's wording for MACs).
    for (const [spec, algorithm] of [['ECC_NIST_P256', 'ECDSA_SHA_384'], ['ECC_SECG_P256K1', 'ECDSA_SHA_512'], ['RSA_2048', 'ECDSA_SHA_256'], ['ECC_NIST_P521', 'RSASSA_PSS_SHA_512'], ['ECC_NIST_EDWARDS25519', 'ECDSA_SHA_512'], ['RSA_3072', 'ML_DSA_SHAKE_256']] as const) {
      await rejectsWith(h.kms.send(new SignCommand({ KeyId: key(spec, 'SIGN_VERIFY').id, Message: bytes('x'), SigningAlgorithm: algorithm })), 'InvalidKeyUsageException', `Algorithm ${algorithm} is incompatible with key spec ${spec}.`);
    }
    const ed = key('ECC_NIST_EDWARDS25519', 'SIGN_VERIFY');
    // "ED25519_SHA_512 … requires MessageType:RAW … These message types cannot be used interchangeably."
    await rejectsWith(h.kms.send(new SignCommand({ KeyId: ed.id, Message: randomBytes(64), MessageType: 'DIGEST', SigningAlgorithm: 'ED25519_SHA_512' })), 'ValidationException', 'Message type DIGEST is incompatible with signing algorithm ED25519_SHA_512.');
    await rejectsWith(h.kms.send(new SignCommand({ KeyId: ed.id, Message: bytes('x'), MessageType: 'RAW', SigningAlgorithm: 'ED25519_PH_SHA_512' })), 'ValidationException', 'Message type RAW is incompatible with signing algorithm ED25519_PH_SHA_512.');
    await rejectsWith(h.kms.send(new SignCommand({ KeyId: ed.id, Message: randomBytes(32), MessageType: 'DIGEST', SigningAlgorithm: 'ED25519_PH_SHA_512' })), 'ValidationException', 'Digest is invalid length for algorithm ED25519_PH_SHA_512.');
    await rejectsWith(h.kms.send(new SignCommand({ KeyId: rsa.id, Message: randomBytes(64), MessageType: 'EXTERNAL_MU', SigningAlgorithm: 'RSASSA_PSS_SHA_256' })), 'ValidationException', 'Message type EXTERNAL_MU is incompatible with key spec RSA_2048.');
    // Key usage (recorded against AWS).
    const hmacKey = key('HMAC_256', 'GENERATE_VERIFY_MAC');
    await rejectsWith(h.kms.send(new SignCommand({ KeyId: hmacKey.id, Message: bytes('test message 123!@#'), SigningAlgorithm: 'RSASSA_PSS_SHA_256' })), 'InvalidKeyUsageException', `${hmacKey.arn} key usage is GENERATE_VERIFY_MAC which is not valid for Sign.`);
    const sym = key('SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT');
    await rejectsWith(h.kms.send(new VerifyCommand({ KeyId: sym.id, Message: bytes('test message'), Signature: bytes('random text'), SigningAlgorithm: 'ECDSA_SHA_256' })), 'InvalidKeyUsageException', `${sym.arn} key usage is ENCRYPT_DECRYPT which is not valid for Verify.`);
    const rsaEnc = key('RSA_4096', 'ENCRYPT_DECRYPT');
    await rejectsWith(h.kms.send(new SignCommand({ KeyId: rsaEnc.id, Message: bytes('hello'), SigningAlgorithm: 'RSASSA_PSS_SHA_256' })), 'InvalidKeyUsageException', `${rsaEnc.arn} key usage is ENCRYPT_DECRYPT which is not valid for Sign.`);
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: rsa.id, Plaintext: bytes('test message 123!@#') })), 'InvalidKeyUsageException', `${rsa.arn} key usage is SIGN_VERIFY which is not valid for Encrypt.`);
    // DryRun, sizes, unknown algorithm.
    await rejectsWith(h.kms.send(new SignCommand({ KeyId: rsa.id, Message: bytes('x'), SigningAlgorithm: 'RSASSA_PSS_SHA_256', DryRun: true })), 'DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.');
    await rejectsWith(h.kms.send(new VerifyCommand({ KeyId: rsa.id, Message: bytes('x'), Signature: randomBytes(256), SigningAlgorithm: 'RSASSA_PSS_SHA_256', DryRun: true })), 'DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.');
    await h.kms.send(new SignCommand({ KeyId: rsa.id, Message: randomBytes(4096), SigningAlgorithm: 'RSASSA_PSS_SHA_256' }));
    await rejectsWith(h.kms.send(new SignCommand({ KeyId: rsa.id, Message: randomBytes(4097), SigningAlgorithm: 'RSASSA_PSS_SHA_256' })), 'ValidationException', "1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to 4096");
    await rejectsWith(h.kms.send(new SignCommand({ KeyId: rsa.id, Message: bytes('x'), SigningAlgorithm: 'RSASSA_PSS_SHA_1' as SigningAlgorithmSpec })), 'ValidationException', /^1 validation error detected: Value 'RSASSA_PSS_SHA_1' at 'signingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: \[RSASSA_PSS_SHA_256, /);
    await rejectsWith(h.kms.send(new SignCommand({ KeyId: 'key_id', Message: bytes('x'), SigningAlgorithm: 'RSASSA_PSS_SHA_256' })), 'NotFoundException', "Invalid keyId 'key_id'");
  });
});

describe('JWT', () => {
  const b64url = (b: Uint8Array | string) => Buffer.from(b).toString('base64url');

  /** Converts a DER ECDSA-Sig-Value to JOSE's fixed-length r‖s (RFC 7518 §3.4). */
  function derToJose(der: Uint8Array, size: number): Buffer {
    let o = 2;
    const int = () => {
      const len = der[o + 1]!;
      const v = Buffer.from(der.subarray(o + 2, o + 2 + len));
      o += 2 + len;
      return Buffer.concat([Buffer.alloc(size), v.subarray(v[0] === 0 ? 1 : 0)]).subarray(-size);
    };
    return Buffer.concat([int(), int()]);
  }

  for (const [alg, spec, algorithm] of [['RS256', 'RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_256'], ['PS256', 'RSA_3072', 'RSASSA_PSS_SHA_256'], ['ES256', 'ECC_NIST_P256', 'ECDSA_SHA_256']] as const) {
    test(`${alg} token signed by Trent verifies with node:crypto (JWS compact, RFC 7515)`, async () => {
      const k = key(spec, 'SIGN_VERIFY');
      const header = b64url(JSON.stringify({ alg, typ: 'JWT', kid: k.id }));
      const payload = b64url(JSON.stringify({ sub: 'pet:42', iss: 'https://pettracker.example', iat: 1700000000 }));
      const signingInput = bytes(`${header}.${payload}`);
      // Signers with large claims sign the SHA-256 digest (MessageType DIGEST); check both ways.
      for (const messageType of ['RAW', 'DIGEST'] as const) {
        const message = messageType === 'DIGEST' ? createHash('sha256').update(signingInput).digest() : signingInput;
        const sig = (await h.kms.send(new SignCommand({ KeyId: k.id, Message: message, MessageType: messageType, SigningAlgorithm: algorithm }))).Signature!;
        const jose = alg === 'ES256' ? derToJose(sig, 32) : Buffer.from(sig);
        const token = `${header}.${payload}.${b64url(jose)}`;
        const [h64, p64, s64] = token.split('.') as [string, string, string];
        const publicKey = createPublicKey({ key: Buffer.from((await h.kms.send(new GetPublicKeyCommand({ KeyId: k.id }))).PublicKey!), format: 'der', type: 'spki' });
        const signature = Buffer.from(s64, 'base64url');
        const ok = alg === 'ES256'
          ? nodeVerify('sha256', bytes(`${h64}.${p64}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)
          : alg === 'PS256'
            ? nodeVerify('sha256', bytes(`${h64}.${p64}`), { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature)
            : nodeVerify('sha256', bytes(`${h64}.${p64}`), publicKey, signature);
        assert.ok(ok, `${alg} ${messageType}`);
        assert.equal(signature.length, alg === 'ES256' ? 64 : spec === 'RSA_2048' ? 256 : 384);
      }
    });
  }
});

describe('RSA Encrypt / Decrypt', () => {
  test('OpenSSL encrypts with the public key, Trent decrypts (KeyId and algorithm required); Trent round-trips', async () => {
    for (const spec of RSA_SPECS) {
      const k = key(spec, 'ENCRYPT_DECRYPT');
      const publicKeyDer = (await h.kms.send(new GetPublicKeyCommand({ KeyId: k.id }))).PublicKey!;
      for (const [algorithm, hash] of [['RSAES_OAEP_SHA_1', 'sha1'], ['RSAES_OAEP_SHA_256', 'sha256']] as const) {
        const secret = bytes(`database password for ${spec} ${algorithm}`);
        const ct = await opensslOaepEncrypt(publicKeyDer, hash, secret);
        const d = await h.kms.send(new DecryptCommand({ KeyId: k.id, CiphertextBlob: ct, EncryptionAlgorithm: algorithm }));
        assert.deepEqual(Buffer.from(d.Plaintext!), Buffer.from(secret));
        assert.equal(d.KeyId, k.arn);
        assert.equal(d.EncryptionAlgorithm, algorithm);
        assert.equal(d.KeyMaterialId, undefined);

        const e = await h.kms.send(new EncryptCommand({ KeyId: k.arn, Plaintext: secret, EncryptionAlgorithm: algorithm }));
        assert.equal(e.EncryptionAlgorithm, algorithm);
        assert.equal(e.KeyId, k.arn);
        assert.equal(e.CiphertextBlob!.length, keySpecInfo(spec).material.kind === 'rsa' ? Number(spec.slice(4)) / 8 : 0, 'raw RSA ciphertext, modulus-sized');
        const back = await h.kms.send(new DecryptCommand({ KeyId: k.id, CiphertextBlob: e.CiphertextBlob, EncryptionAlgorithm: algorithm }));
        assert.deepEqual(Buffer.from(back.Plaintext!), Buffer.from(secret));
        // The other OAEP hash does not decrypt it: the one decrypt failure.
        const other = algorithm === 'RSAES_OAEP_SHA_1' ? 'RSAES_OAEP_SHA_256' : 'RSAES_OAEP_SHA_1';
        await rejectsWith(h.kms.send(new DecryptCommand({ KeyId: k.id, CiphertextBlob: e.CiphertextBlob, EncryptionAlgorithm: other })), 'InvalidCiphertextException');
      }
    }
  });

  test('Trent\'s RSAES-OAEP output is standard: OpenSSL decrypts it with the private key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const der = privateKey.export({ type: 'pkcs8', format: 'der' });
    for (const hash of ['sha1', 'sha256'] as const) {
      const ct = oaepEncrypt(publicKey, hash, bytes('interop'));
      assert.equal((await opensslOaepDecrypt(der, hash, ct)).toString(), 'interop');
    }
  });

  test('plaintext limits per key size and algorithm (AWS\'s texts)', async () => {
    const limits: Record<string, Record<string, number>> = {
      RSA_2048: { RSAES_OAEP_SHA_1: 214, RSAES_OAEP_SHA_256: 190 },
      RSA_3072: { RSAES_OAEP_SHA_1: 342, RSAES_OAEP_SHA_256: 318 },
      RSA_4096: { RSAES_OAEP_SHA_1: 470, RSAES_OAEP_SHA_256: 446 },
    };
    for (const [spec, byAlg] of Object.entries(limits)) {
      const k = key(spec, 'ENCRYPT_DECRYPT');
      for (const [algorithm, max] of Object.entries(byAlg)) {
        const alg = algorithm as 'RSAES_OAEP_SHA_1';
        const e = await h.kms.send(new EncryptCommand({ KeyId: k.id, Plaintext: randomBytes(max), EncryptionAlgorithm: alg }));
        assert.equal((await h.kms.send(new DecryptCommand({ KeyId: k.id, CiphertextBlob: e.CiphertextBlob, EncryptionAlgorithm: alg }))).Plaintext!.length, max);
        await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: k.id, Plaintext: randomBytes(max + 1), EncryptionAlgorithm: alg })), 'ValidationException', `Algorithm ${algorithm} and key spec ${spec} cannot encrypt data larger than ${max} bytes.`);
      }
    }
  });

  test('algorithm, KeyId and encryption-context rules', async () => {
    const k = key('RSA_2048', 'ENCRYPT_DECRYPT');
    const sym = key('SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT');
    const e = await h.kms.send(new EncryptCommand({ KeyId: k.id, Plaintext: bytes('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }));
    // Clients that forget the algorithm get this from AWS (seen in the SOPS and spring-cloud-config issue trackers).
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: k.id, Plaintext: bytes('x') })), 'InvalidKeyUsageException', 'Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.');
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: sym.id, Plaintext: bytes('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' })), 'InvalidKeyUsageException', 'Algorithm RSAES_OAEP_SHA_256 is incompatible with key spec SYMMETRIC_DEFAULT.');
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: k.id, Plaintext: bytes('x'), EncryptionAlgorithm: 'SM2PKE' })), 'InvalidKeyUsageException', 'Algorithm SM2PKE is incompatible with key spec RSA_2048.');
    // RSA ciphertext carries no key id: Decrypt needs KeyId and the algorithm.
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' })), 'InvalidCiphertextException');
    await rejectsWith(h.kms.send(new DecryptCommand({ KeyId: k.id, CiphertextBlob: e.CiphertextBlob })), 'IncorrectKeyException', 'The key ID in the request does not identify a CMK that can perform this operation.');
    await rejectsWith(h.kms.send(new DecryptCommand({ KeyId: sym.id, CiphertextBlob: e.CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' })), 'InvalidKeyUsageException', 'Algorithm RSAES_OAEP_SHA_256 is incompatible with key spec SYMMETRIC_DEFAULT.');
    const signing = key('RSA_2048', 'SIGN_VERIFY');
    await rejectsWith(h.kms.send(new DecryptCommand({ KeyId: signing.id, CiphertextBlob: e.CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' })), 'InvalidKeyUsageException', `${signing.arn} key usage is SIGN_VERIFY which is not valid for Decrypt.`);
    // "An encryption context is supported only on operations with symmetric encryption KMS keys."
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: k.id, Plaintext: bytes('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256', EncryptionContext: { a: 'b' } })), 'ValidationException', 'EncryptionContext is not supported with asymmetric KMS keys.');
    await rejectsWith(h.kms.send(new DecryptCommand({ KeyId: k.id, CiphertextBlob: e.CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256', EncryptionContext: { a: 'b' } })), 'ValidationException', 'EncryptionContext is not supported with asymmetric KMS keys.');
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: k.id, Plaintext: bytes('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256', DryRun: true })), 'DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.');
  });

  test('ReEncrypt between RSA keys and to a symmetric key (recorded response shape)', async () => {
    const src = key('RSA_2048', 'ENCRYPT_DECRYPT');
    const dst = key('RSA_3072', 'ENCRYPT_DECRYPT');
    const sym = key('SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT');
    const e = await h.kms.send(new EncryptCommand({ KeyId: src.id, Plaintext: bytes('test message 123 !%$@ 1234567890'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }));
    const r = await h.kms.send(new ReEncryptCommand({ SourceKeyId: src.id, DestinationKeyId: dst.id, CiphertextBlob: e.CiphertextBlob, SourceEncryptionAlgorithm: 'RSAES_OAEP_SHA_256', DestinationEncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }));
    assert.equal(r.SourceKeyId, src.arn);
    assert.equal(r.KeyId, dst.arn);
    assert.equal(r.SourceEncryptionAlgorithm, 'RSAES_OAEP_SHA_256');
    assert.equal(r.DestinationEncryptionAlgorithm, 'RSAES_OAEP_SHA_256');
    assert.equal(r.SourceKeyMaterialId, undefined);
    const d = await h.kms.send(new DecryptCommand({ KeyId: dst.id, CiphertextBlob: r.CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }));
    assert.equal(Buffer.from(d.Plaintext!).toString(), 'test message 123 !%$@ 1234567890');
    const s = await h.kms.send(new ReEncryptCommand({ SourceKeyId: src.id, DestinationKeyId: sym.id, CiphertextBlob: e.CiphertextBlob, SourceEncryptionAlgorithm: 'RSAES_OAEP_SHA_256', DestinationEncryptionContext: { k: 'v' } }));
    assert.equal(s.DestinationEncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    assert.match(s.DestinationKeyMaterialId!, /^[0-9a-f]{64}$/);
    assert.equal(Buffer.from((await h.kms.send(new DecryptCommand({ CiphertextBlob: s.CiphertextBlob, EncryptionContext: { k: 'v' } }))).Plaintext!).toString(), 'test message 123 !%$@ 1234567890');
  });
});

describe('wire', () => {
  test('a bad signature and an undecryptable RSA ciphertext answer AWS\'s empty message', async () => {
    const k = key('ECC_NIST_P256', 'SIGN_VERIFY');
    const v = await signedKmsRequest(h.trent.url, h.trent.caPath, 'Verify', JSON.stringify({
      KeyId: k.id, Message: Buffer.from('m').toString('base64'), Signature: randomBytes(70).toString('base64'), SigningAlgorithm: 'ECDSA_SHA_256',
    }));
    assert.equal(v.status, 400);
    assert.deepEqual(v.json(), { __type: 'KMSInvalidSignatureException', message: '' });
    const d = await signedKmsRequest(h.trent.url, h.trent.caPath, 'Decrypt', JSON.stringify({
      KeyId: key('RSA_2048', 'ENCRYPT_DECRYPT').id, CiphertextBlob: randomBytes(256).toString('base64'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_1',
    }));
    assert.deepEqual(d.json(), { __type: 'InvalidCiphertextException', message: '' });
  });
});
