/**
 * DeriveSharedSecret (ECDH with KEY_AGREEMENT keys): two Trent keys agree, and Trent agrees with
 * OpenSSL (`pkeyutl -derive`) on every NIST curve; AWS's texts. Also: asymmetric key material
 * survives a restart (it is stored wrapped, like symmetric material).
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  CreateKeyCommand,
  DeriveSharedSecretCommand,
  GetPublicKeyCommand,
  SignCommand,
  VerifyCommand,
  type KeyAgreementAlgorithmSpec,
} from '@aws-sdk/client-kms';
import { rejectsWith } from '../support/assert-aws.ts';
import { opensslDerive, opensslEcKey, opensslVerify } from '../support/openssl.ts';
import { signedKmsRequest } from '../support/signed-request.ts';
import { dropTestDatabase } from '../support/postgres.ts';
import { startTrent, tempDir, testStoreUrl, type Harness } from '../support/trent.ts';

let h: Harness;
let dataDir: string;
/** One store for both Trents of the restart test: a database of its own on PostgreSQL, the data directory on SQLite. */
let storeUrl: string | undefined;
const startOnStore = () => startTrent({ dataDir, ...(storeUrl !== undefined ? { config: { storeUrl } } : {}) });
before(async () => {
  dataDir = tempDir();
  storeUrl = await testStoreUrl();
  h = await startOnStore();
});
after(async () => {
  await h.stop();
  if (storeUrl !== undefined) await dropTestDatabase(storeUrl);
  rmSync(dataDir, { recursive: true, force: true });
});

const CURVES = [['ECC_NIST_P256', 'prime256v1', 32], ['ECC_NIST_P384', 'secp384r1', 48], ['ECC_NIST_P521', 'secp521r1', 66]] as const;

async function agreementKey(spec: 'ECC_NIST_P256' | 'ECC_NIST_P384' | 'ECC_NIST_P521') {
  const md = (await h.kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: 'KEY_AGREEMENT' }))).KeyMetadata!;
  const pub = (await h.kms.send(new GetPublicKeyCommand({ KeyId: md.KeyId }))).PublicKey!;
  return { id: md.KeyId!, arn: md.Arn!, pub };
}

describe('DeriveSharedSecret', () => {
  test('two Trent keys derive the same secret; Trent and OpenSSL agree on every curve', async () => {
    for (const [spec, curve, size] of CURVES) {
      const a = await agreementKey(spec);
      const b = await agreementKey(spec);
      const ab = await h.kms.send(new DeriveSharedSecretCommand({ KeyId: a.id, KeyAgreementAlgorithm: 'ECDH', PublicKey: b.pub }));
      const ba = await h.kms.send(new DeriveSharedSecretCommand({ KeyId: b.id, KeyAgreementAlgorithm: 'ECDH', PublicKey: a.pub }));
      assert.deepEqual(ab.SharedSecret, ba.SharedSecret);
      assert.equal(ab.SharedSecret!.length, size);
      assert.equal(ab.KeyId, a.arn);
      assert.equal(ab.KeyAgreementAlgorithm, 'ECDH');
      assert.equal(ab.KeyOrigin, 'AWS_KMS');
      const peer = await opensslEcKey(curve);
      const fromTrent = await h.kms.send(new DeriveSharedSecretCommand({ KeyId: a.id, KeyAgreementAlgorithm: 'ECDH', PublicKey: peer.publicKeyDer }));
      const fromOpenssl = await opensslDerive(peer.privateKeyDer, a.pub);
      assert.deepEqual(Buffer.from(fromTrent.SharedSecret!), fromOpenssl, spec);
    }
  });

  test('AWS\'s texts (recorded): key usage, key spec, algorithm enum, malformed public key', async () => {
    const a = await agreementKey('ECC_NIST_P256');
    const signing = (await h.kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!;
    await rejectsWith(h.kms.send(new DeriveSharedSecretCommand({ KeyId: signing.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: a.pub })), 'InvalidKeyUsageException', `${signing.Arn} key usage is SIGN_VERIFY which is not valid for DeriveSharedSecret.`);
    await rejectsWith(h.kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'KEY_AGREEMENT' })), 'ValidationException', 'KeyUsage KEY_AGREEMENT is not compatible with KeySpec RSA_2048');
    await rejectsWith(h.kms.send(new DeriveSharedSecretCommand({ KeyId: a.id, KeyAgreementAlgorithm: 'INVALID' as KeyAgreementAlgorithmSpec, PublicKey: a.pub })), 'ValidationException', "1 validation error detected: Value 'INVALID' at 'keyAgreementAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [ECDH]");
    const sym = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    await rejectsWith(h.kms.send(new DeriveSharedSecretCommand({ KeyId: sym.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: a.pub })), 'InvalidKeyUsageException', `${sym.Arn} key usage is ENCRYPT_DECRYPT which is not valid for DeriveSharedSecret.`);
    await rejectsWith(h.kms.send(new DeriveSharedSecretCommand({ KeyId: a.id, KeyAgreementAlgorithm: 'ECDH', PublicKey: new TextEncoder().encode('InvalidPublicKey') })), 'ValidationException');
    const r = await signedKmsRequest(h.trent.url, h.trent.caPath, 'DeriveSharedSecret', JSON.stringify({ KeyId: a.id, KeyAgreementAlgorithm: 'ECDH', PublicKey: Buffer.from('InvalidPublicKey').toString('base64') }));
    assert.deepEqual(r.json(), { __type: 'ValidationException', message: '' });
    // A key on another curve is no valid peer either.
    const p384 = await agreementKey('ECC_NIST_P384');
    await rejectsWith(h.kms.send(new DeriveSharedSecretCommand({ KeyId: a.id, KeyAgreementAlgorithm: 'ECDH', PublicKey: p384.pub })), 'ValidationException');
    await rejectsWith(h.kms.send(new DeriveSharedSecretCommand({ KeyId: a.id, KeyAgreementAlgorithm: 'ECDH', PublicKey: p384.pub, DryRun: true })), 'ValidationException');
    await rejectsWith(h.kms.send(new DeriveSharedSecretCommand({ KeyId: a.id, KeyAgreementAlgorithm: 'ECDH', PublicKey: a.pub, DryRun: true })), 'DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.');
  });
});

describe('asymmetric material across a restart', () => {
  test('a signing key signs after a restart with the same key pair', async () => {
    const md = (await h.kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!;
    const pub = (await h.kms.send(new GetPublicKeyCommand({ KeyId: md.KeyId }))).PublicKey!;
    const before = (await h.kms.send(new SignCommand({ KeyId: md.KeyId, Message: new TextEncoder().encode('m'), SigningAlgorithm: 'ECDSA_SHA_256' }))).Signature!;
    await h.stop();
    h = await startOnStore();
    assert.deepEqual((await h.kms.send(new GetPublicKeyCommand({ KeyId: md.KeyId }))).PublicKey, pub);
    assert.equal((await h.kms.send(new VerifyCommand({ KeyId: md.KeyId, Message: new TextEncoder().encode('m'), Signature: before, SigningAlgorithm: 'ECDSA_SHA_256' }))).SignatureValid, true);
    const after = (await h.kms.send(new SignCommand({ KeyId: md.KeyId, Message: new TextEncoder().encode('m'), SigningAlgorithm: 'ECDSA_SHA_256' }))).Signature!;
    assert.ok(await opensslVerify({ kind: 'ecdsa', hash: 'sha256', publicKeyDer: pub, message: new TextEncoder().encode('m'), messageType: 'RAW', signature: after }));
  });
});
