/**
 * GenerateDataKeyPair / GenerateDataKeyPairWithoutPlaintext: real key pairs (OpenSSL reads the
 * PKCS#8 private key and derives the same public key), the private key encrypted under a
 * symmetric key with the encryption context and decryptable with Decrypt.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  CreateKeyCommand,
  DecryptCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  type DataKeyPairSpec,
} from '@aws-sdk/client-kms';
import { rejectsWith } from '../support/assert-aws.ts';
import { openssl, opensslOaepDecrypt, opensslOaepEncrypt } from '../support/openssl.ts';
import { startTrent, type Harness } from '../support/trent.ts';

let h: Harness;
let keyId: string;
let keyArn: string;
before(async () => {
  h = await startTrent();
  const md = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
  keyId = md.KeyId!;
  keyArn = md.Arn!;
});
after(async () => {
  await h.stop();
});

const SHAPES: Record<string, { type: string; detail?: string | number }> = {
  RSA_2048: { type: 'rsa', detail: 2048 },
  RSA_3072: { type: 'rsa', detail: 3072 },
  RSA_4096: { type: 'rsa', detail: 4096 },
  ECC_NIST_P256: { type: 'ec', detail: 'prime256v1' },
  ECC_NIST_P384: { type: 'ec', detail: 'secp384r1' },
  ECC_NIST_P521: { type: 'ec', detail: 'secp521r1' },
  ECC_SECG_P256K1: { type: 'ec', detail: 'secp256k1' },
  ECC_NIST_EDWARDS25519: { type: 'ed25519' },
};

describe('GenerateDataKeyPair', () => {
  test('every pair spec: PKCS#8 private key + SPKI public key that belong together; Decrypt returns the private key', async () => {
    const context = { purpose: 'pet-records-signing' };
    // RSA-4096 generation takes seconds: run the specs together.
    await Promise.all(Object.entries(SHAPES).map(async ([spec, shape]) => {
      const r = await h.kms.send(new GenerateDataKeyPairCommand({ KeyId: keyId, KeyPairSpec: spec as DataKeyPairSpec, EncryptionContext: context }));
      assert.equal(r.KeyId, keyArn);
      assert.equal(r.KeyPairSpec, spec);
      assert.match(r.KeyMaterialId!, /^[0-9a-f]{64}$/);
      const priv = createPrivateKey({ key: Buffer.from(r.PrivateKeyPlaintext!), format: 'der', type: 'pkcs8' });
      const pub = createPublicKey({ key: Buffer.from(r.PublicKey!), format: 'der', type: 'spki' });
      assert.equal(pub.asymmetricKeyType, shape.type, spec);
      if (shape.type === 'rsa') assert.equal(pub.asymmetricKeyDetails?.modulusLength, shape.detail);
      if (shape.type === 'ec') assert.equal(pub.asymmetricKeyDetails?.namedCurve, shape.detail);
      // The pair belongs together: OpenSSL derives the same SubjectPublicKeyInfo from the private key.
      const derived = await openssl(['pkey', '-inform', 'DER', '-in', 'key.der', '-pubout', '-outform', 'DER', '-out', 'pub.der'], { 'key.der': r.PrivateKeyPlaintext! }, ['pub.der']);
      assert.equal(derived.code, 0, derived.stderr);
      assert.deepEqual(derived.out['pub.der'], Buffer.from(r.PublicKey!), spec);
      const data = Buffer.from('signed with a data key pair');
      const alg = shape.type === 'ed25519' ? null : 'sha256';
      assert.ok(nodeVerify(alg, data, pub, nodeSign(alg, data, priv)), spec);
      // The private key is a normal symmetric ciphertext, bound to the encryption context.
      const d = await h.kms.send(new DecryptCommand({ CiphertextBlob: r.PrivateKeyCiphertextBlob, EncryptionContext: context }));
      assert.deepEqual(Buffer.from(d.Plaintext!), Buffer.from(r.PrivateKeyPlaintext!));
      await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: r.PrivateKeyCiphertextBlob })), 'InvalidCiphertextException');
      if (spec === 'RSA_2048') {
        const ct = await opensslOaepEncrypt(r.PublicKey!, 'sha256', Buffer.from('for the pair'));
        assert.equal((await opensslOaepDecrypt(r.PrivateKeyPlaintext!, 'sha256', ct)).toString(), 'for the pair');
      }
    }));
  });

  test('WithoutPlaintext: no private key in the response; Decrypt yields the private key of PublicKey', async () => {
    const r = await h.kms.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: keyId, KeyPairSpec: 'ECC_NIST_P256', EncryptionContext: { a: 'b' } }));
    assert.equal((r as { PrivateKeyPlaintext?: unknown }).PrivateKeyPlaintext, undefined);
    assert.equal(r.KeyPairSpec, 'ECC_NIST_P256');
    assert.equal(r.KeyId, keyArn);
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: r.PrivateKeyCiphertextBlob })), 'InvalidCiphertextException');
    const d = await h.kms.send(new DecryptCommand({ CiphertextBlob: r.PrivateKeyCiphertextBlob, EncryptionContext: { a: 'b' } }));
    const priv = createPrivateKey({ key: Buffer.from(d.Plaintext!), format: 'der', type: 'pkcs8' });
    assert.deepEqual(createPublicKey(priv).export({ type: 'spki', format: 'der' }), Buffer.from(r.PublicKey!));
  });

  test('pairs are fresh every call', async () => {
    const a = await h.kms.send(new GenerateDataKeyPairCommand({ KeyId: keyId, KeyPairSpec: 'ECC_SECG_P256K1' }));
    const b = await h.kms.send(new GenerateDataKeyPairCommand({ KeyId: keyId, KeyPairSpec: 'ECC_SECG_P256K1' }));
    assert.notDeepEqual(a.PublicKey, b.PublicKey);
  });

  test('DryRun (recorded text), the wrapping key must be symmetric, SM2 is refused, unknown spec', async () => {
    const dry = 'The request would have succeeded, but the DryRun option is set.';
    await rejectsWith(h.kms.send(new GenerateDataKeyPairCommand({ KeyId: keyId, KeyPairSpec: 'RSA_2048', DryRun: true })), 'DryRunOperationException', dry);
    await rejectsWith(h.kms.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: keyId, KeyPairSpec: 'RSA_2048', DryRun: true })), 'DryRunOperationException', dry);
    const rsa = (await h.kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' }))).KeyMetadata!;
    await rejectsWith(h.kms.send(new GenerateDataKeyPairCommand({ KeyId: rsa.KeyId, KeyPairSpec: 'ECC_NIST_P256' })), 'InvalidKeyUsageException', 'Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.');
    const mac = (await h.kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }))).KeyMetadata!;
    await rejectsWith(h.kms.send(new GenerateDataKeyPairCommand({ KeyId: mac.KeyId, KeyPairSpec: 'ECC_NIST_P256' })), 'InvalidKeyUsageException', `${mac.Arn} key usage is GENERATE_VERIFY_MAC which is not valid for GenerateDataKeyPair.`);
    await rejectsWith(h.kms.send(new GenerateDataKeyPairCommand({ KeyId: keyId, KeyPairSpec: 'SM2' })), 'UnsupportedOperationException', /^KeySpec SM2 is not supported by Trent/);
    await rejectsWith(h.kms.send(new GenerateDataKeyPairCommand({ KeyId: keyId, KeyPairSpec: 'RSA_1024' as DataKeyPairSpec })), 'ValidationException', /^1 validation error detected: Value 'RSA_1024' at 'keyPairSpec' failed to satisfy constraint: Member must satisfy enum value set: \[RSA_2048, /);
  });
});
