/**
 * ED25519_PH_SHA_512 through @aws-sdk/client-kms, as the Sign API reference documents it:
 * "ED25519_PH_SHA_512 signing algorithm requires KMS MessageType:DIGEST" and "When you specify the
 * ED25519_PH_SHA_512 signing algorithm with MessageType:DIGEST, KMS still performs the SHA-512
 * prehash described in Step 1 of Section 7.8.1 in FIPS 186-5. This means the input is hashed twice:
 * once by you and once by KMS." Signatures are checked by the JDK's EdDSA (Debian's OpenSSL 3.0
 * CLI has no Ed25519ph) with the key from GetPublicKey.
 */
import assert from 'node:assert/strict';
import { createHash, createPublicKey, randomBytes, verify as nodeVerify } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CreateKeyCommand, GetPublicKeyCommand, SignCommand, VerifyCommand } from '@aws-sdk/client-kms';
import { rejectsWith } from '../support/assert-aws.ts';
import { javaEd25519phUnavailable, javaEd25519phVerify } from '../support/java-ed25519ph.ts';
import { opensslVerify } from '../support/openssl.ts';
import { startTrent, type Harness } from '../support/trent.ts';

/** Off CI a missing JDK skips the outside check (reported as a diagnostic); with CI=true it fails. */
const javaMissing = await javaEd25519phUnavailable();
const javaSkip = javaMissing !== undefined && process.env.CI !== 'true' ? javaMissing : false;

let h: Harness;
let k: { id: string; arn: string; spki: Uint8Array };

before(async () => {
  h = await startTrent();
  const md = (await h.kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_EDWARDS25519', KeyUsage: 'SIGN_VERIFY', Description: 'invoice signing' }))).KeyMetadata!;
  k = { id: md.KeyId!, arn: md.Arn!, spki: (await h.kms.send(new GetPublicKeyCommand({ KeyId: md.KeyId }))).PublicKey! };
});
after(async () => {
  await h.stop();
});

const sha512 = (b: Uint8Array | string) => createHash('sha512').update(b).digest();

describe('ED25519_PH_SHA_512', () => {
  test('signs the SHA-512 digest with Ed25519ph over SHA-512(digest): the JDK verifies it over the digest, not over the data', async (t) => {
    const outside: { spki: Uint8Array; message: Uint8Array; signature: Uint8Array }[] = [];
    const expected: boolean[] = [];
    for (const data of ['invoice 2041 for PetTracker', '', 'x'.repeat(10_000)]) {
      const digest = sha512(data);
      const s = await h.kms.send(new SignCommand({ KeyId: k.id, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ED25519_PH_SHA_512' }));
      assert.equal(s.KeyId, k.arn);
      assert.equal(s.SigningAlgorithm, 'ED25519_PH_SHA_512');
      assert.equal(s.Signature!.length, 64);
      const again = await h.kms.send(new SignCommand({ KeyId: k.id, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ED25519_PH_SHA_512' }));
      assert.deepEqual(again.Signature, s.Signature, 'EdDSA is deterministic');
      const v = await h.kms.send(new VerifyCommand({ KeyId: k.id, Message: digest, MessageType: 'DIGEST', Signature: s.Signature, SigningAlgorithm: 'ED25519_PH_SHA_512' }));
      assert.equal(v.SignatureValid, true);
      assert.equal(v.KeyId, k.arn);
      // Input hashed twice: a standard Ed25519ph verifier given the digest as the message agrees;
      // one given the original data (a single hash) does not.
      outside.push({ spki: k.spki, message: digest, signature: s.Signature! }, { spki: k.spki, message: Buffer.from(data), signature: s.Signature! });
      expected.push(true, false);
      // Nor is it PureEdDSA over the digest (what ED25519_SHA_512 with RAW would sign).
      assert.equal(nodeVerify(null, digest, createPublicKey({ key: Buffer.from(k.spki), format: 'der', type: 'spki' }), s.Signature!), false);
      assert.equal(await opensslVerify({ kind: 'ed25519', hash: 'sha512', publicKeyDer: k.spki, message: digest, messageType: 'RAW', signature: s.Signature! }), false);
    }
    if (javaSkip) return t.diagnostic(`not checked by the JDK: ${javaSkip}`);
    assert.deepEqual(await javaEd25519phVerify(outside), expected);
  });

  test('Verify: a changed digest or signature, or an ED25519_SHA_512 signature, is KMSInvalidSignatureException', async () => {
    const digest = sha512('transfer 10 kibble credits');
    const s = await h.kms.send(new SignCommand({ KeyId: k.id, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ED25519_PH_SHA_512' }));
    const otherDigest = Buffer.from(digest);
    otherDigest[63]! ^= 1;
    await rejectsWith(h.kms.send(new VerifyCommand({ KeyId: k.id, Message: otherDigest, MessageType: 'DIGEST', Signature: s.Signature, SigningAlgorithm: 'ED25519_PH_SHA_512' })), 'KMSInvalidSignatureException');
    const badSig = Buffer.from(s.Signature!);
    badSig[5]! ^= 1;
    await rejectsWith(h.kms.send(new VerifyCommand({ KeyId: k.id, Message: digest, MessageType: 'DIGEST', Signature: badSig, SigningAlgorithm: 'ED25519_PH_SHA_512' })), 'KMSInvalidSignatureException');
    await rejectsWith(h.kms.send(new VerifyCommand({ KeyId: k.id, Message: digest, MessageType: 'DIGEST', Signature: randomBytes(63), SigningAlgorithm: 'ED25519_PH_SHA_512' })), 'KMSInvalidSignatureException');
    const pure = await h.kms.send(new SignCommand({ KeyId: k.id, Message: digest, MessageType: 'RAW', SigningAlgorithm: 'ED25519_SHA_512' }));
    assert.notDeepEqual(pure.Signature, s.Signature);
    await rejectsWith(h.kms.send(new VerifyCommand({ KeyId: k.id, Message: digest, MessageType: 'DIGEST', Signature: pure.Signature, SigningAlgorithm: 'ED25519_PH_SHA_512' })), 'KMSInvalidSignatureException');
    await rejectsWith(h.kms.send(new VerifyCommand({ KeyId: k.id, Message: digest, MessageType: 'RAW', Signature: s.Signature, SigningAlgorithm: 'ED25519_SHA_512' })), 'KMSInvalidSignatureException');
  });

  test('DIGEST only, of SHA-512\'s length; not on other keys', async () => {
    // "These message types cannot be used interchangeably." (CreateKey reference; wording of the error unverified)
    for (const messageType of ['RAW', 'EXTERNAL_MU'] as const) {
      const expected = messageType === 'RAW' ? 'Message type RAW is incompatible with signing algorithm ED25519_PH_SHA_512.' : 'Message type EXTERNAL_MU is incompatible with key spec ECC_NIST_EDWARDS25519.';
      await rejectsWith(h.kms.send(new SignCommand({ KeyId: k.id, Message: sha512('x'), MessageType: messageType, SigningAlgorithm: 'ED25519_PH_SHA_512' })), 'ValidationException', expected);
    }
    await rejectsWith(h.kms.send(new SignCommand({ KeyId: k.id, Message: sha512('x'), SigningAlgorithm: 'ED25519_PH_SHA_512' })), 'ValidationException', 'Message type RAW is incompatible with signing algorithm ED25519_PH_SHA_512.');
    for (const n of [32, 48, 63, 65]) {
      await rejectsWith(h.kms.send(new SignCommand({ KeyId: k.id, Message: randomBytes(n), MessageType: 'DIGEST', SigningAlgorithm: 'ED25519_PH_SHA_512' })), 'ValidationException', 'Digest is invalid length for algorithm ED25519_PH_SHA_512.');
    }
    const p521 = (await h.kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P521', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!;
    await rejectsWith(h.kms.send(new SignCommand({ KeyId: p521.KeyId, Message: sha512('x'), MessageType: 'DIGEST', SigningAlgorithm: 'ED25519_PH_SHA_512' })), 'InvalidKeyUsageException', 'Algorithm ED25519_PH_SHA_512 is incompatible with key spec ECC_NIST_P521.');
    await rejectsWith(h.kms.send(new SignCommand({ KeyId: k.id, Message: sha512('x'), MessageType: 'DIGEST', SigningAlgorithm: 'ED25519_PH_SHA_512', DryRun: true })), 'DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.');
  });
});
