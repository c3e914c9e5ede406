/**
 * Request condition keys of the asymmetric and HMAC operations ("AWS KMS condition keys"):
 * kms:SigningAlgorithm and kms:MessageType (Sign, Verify), kms:MacAlgorithm (GenerateMac,
 * VerifyMac), kms:DataKeyPairSpec (GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext).
 * Each key policy allows the operation only with one value: that value works through the SDK,
 * another value the key supports is AccessDeniedException with AWS's text.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  CreateKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  GenerateMacCommand,
  SignCommand,
  VerifyCommand,
  VerifyMacCommand,
  type CreateKeyCommandInput,
  type KeyMetadata,
} from '@aws-sdk/client-kms';
import { rejectsWith } from '../support/assert-aws.ts';
import { startTrent, TEST_ACCOUNT, type Harness } from '../support/trent.ts';

const ROOT_ARN = `arn:aws:iam::${TEST_ACCOUNT}:root`;

let h: Harness;
before(async () => {
  h = await startTrent();
});
after(async () => {
  await h.stop();
});

/** A key policy: everything but `actions` for the root user, and `actions` only under `condition`. */
function policyAllowingOnly(actions: string[], condition: Record<string, Record<string, string>>): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [
    { Sid: 'AllButConditioned', Effect: 'Allow', Principal: { AWS: ROOT_ARN }, NotAction: actions, Resource: '*' },
    { Sid: 'Conditioned', Effect: 'Allow', Principal: { AWS: ROOT_ARN }, Action: actions, Resource: '*', Condition: condition },
  ] });
}

async function createKey(input: CreateKeyCommandInput): Promise<KeyMetadata> {
  return (await h.kms.send(new CreateKeyCommand(input))).KeyMetadata!;
}

const denied = (action: string, key: KeyMetadata) =>
  `User: ${ROOT_ARN} is not authorized to perform: ${action} on resource: ${key.Arn} because no resource-based policy allows the ${action} action`;

const message = Buffer.from('{"sub":"pet-42","scope":"records:read"}');
const digest = createHash('sha256').update(message).digest();

describe('asymmetric and HMAC condition keys in a key policy', () => {
  test('kms:SigningAlgorithm: Sign and Verify only with the allowed algorithm', async () => {
    const key = await createKey({
      KeySpec: 'RSA_2048',
      KeyUsage: 'SIGN_VERIFY',
      Policy: policyAllowingOnly(['kms:Sign', 'kms:Verify'], { StringEquals: { 'kms:SigningAlgorithm': 'RSASSA_PKCS1_V1_5_SHA_256' } }),
    });
    const { Signature } = await h.kms.send(new SignCommand({ KeyId: key.KeyId, Message: message, SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256' }));
    const ok = await h.kms.send(new VerifyCommand({ KeyId: key.KeyId, Message: message, Signature, SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256' }));
    assert.equal(ok.SignatureValid, true);
    // RSASSA_PSS_SHA_256 is a valid algorithm for the key, but not the one the policy allows.
    await rejectsWith(h.kms.send(new SignCommand({ KeyId: key.KeyId, Message: message, SigningAlgorithm: 'RSASSA_PSS_SHA_256' })), 'AccessDeniedException', denied('kms:Sign', key));
    await rejectsWith(h.kms.send(new VerifyCommand({ KeyId: key.KeyId, Message: message, Signature, SigningAlgorithm: 'RSASSA_PSS_SHA_256' })), 'AccessDeniedException', denied('kms:Verify', key));
  });

  test('kms:MessageType: Sign and Verify of a RAW message only, not of a DIGEST', async () => {
    const key = await createKey({
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
      Policy: policyAllowingOnly(['kms:Sign', 'kms:Verify'], { StringEquals: { 'kms:MessageType': 'RAW' } }),
    });
    // MessageType omitted is RAW, for the condition too.
    const { Signature } = await h.kms.send(new SignCommand({ KeyId: key.KeyId, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }));
    const ok = await h.kms.send(new VerifyCommand({ KeyId: key.KeyId, Message: message, MessageType: 'RAW', Signature, SigningAlgorithm: 'ECDSA_SHA_256' }));
    assert.equal(ok.SignatureValid, true);
    await rejectsWith(h.kms.send(new SignCommand({ KeyId: key.KeyId, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' })), 'AccessDeniedException', denied('kms:Sign', key));
    await rejectsWith(h.kms.send(new VerifyCommand({ KeyId: key.KeyId, Message: digest, MessageType: 'DIGEST', Signature, SigningAlgorithm: 'ECDSA_SHA_256' })), 'AccessDeniedException', denied('kms:Verify', key));
  });

  test('kms:MacAlgorithm: GenerateMac and VerifyMac only with the allowed algorithm', async () => {
    const Policy = policyAllowingOnly(['kms:GenerateMac', 'kms:VerifyMac'], { StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_256' } });
    const allowedKey = await createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Policy });
    const otherKey = await createKey({ KeySpec: 'HMAC_384', KeyUsage: 'GENERATE_VERIFY_MAC', Policy });
    const { Mac } = await h.kms.send(new GenerateMacCommand({ KeyId: allowedKey.KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_256' }));
    const ok = await h.kms.send(new VerifyMacCommand({ KeyId: allowedKey.KeyId, Message: message, Mac, MacAlgorithm: 'HMAC_SHA_256' }));
    assert.equal(ok.MacValid, true);
    // HMAC_SHA_384 is the only algorithm of an HMAC_384 key, and the policy does not allow it.
    await rejectsWith(h.kms.send(new GenerateMacCommand({ KeyId: otherKey.KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_384' })), 'AccessDeniedException', denied('kms:GenerateMac', otherKey));
    await rejectsWith(h.kms.send(new VerifyMacCommand({ KeyId: otherKey.KeyId, Message: message, Mac: new Uint8Array(48), MacAlgorithm: 'HMAC_SHA_384' })), 'AccessDeniedException', denied('kms:VerifyMac', otherKey));
  });

  test('kms:DataKeyPairSpec: GenerateDataKeyPair(WithoutPlaintext) only for the allowed pair spec', async () => {
    const actions = ['kms:GenerateDataKeyPair', 'kms:GenerateDataKeyPairWithoutPlaintext'];
    const key = await createKey({ Policy: policyAllowingOnly(actions, { StringEquals: { 'kms:DataKeyPairSpec': 'ECC_NIST_P256' } }) });
    const pair = await h.kms.send(new GenerateDataKeyPairCommand({ KeyId: key.KeyId, KeyPairSpec: 'ECC_NIST_P256' }));
    assert.equal(pair.KeyPairSpec, 'ECC_NIST_P256');
    assert.ok(pair.PrivateKeyPlaintext?.length);
    const noPlain = await h.kms.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: key.KeyId, KeyPairSpec: 'ECC_NIST_P256' }));
    assert.equal(noPlain.KeyPairSpec, 'ECC_NIST_P256');
    await rejectsWith(h.kms.send(new GenerateDataKeyPairCommand({ KeyId: key.KeyId, KeyPairSpec: 'RSA_2048' })), 'AccessDeniedException', denied('kms:GenerateDataKeyPair', key));
    await rejectsWith(
      h.kms.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: key.KeyId, KeyPairSpec: 'RSA_2048' })),
      'AccessDeniedException',
      denied('kms:GenerateDataKeyPairWithoutPlaintext', key),
    );
  });
});
