/**
 * No parameter is accepted and silently ignored. Recipient asks that a secret leave KMS only
 * encrypted to an attested Nitro enclave; Trent verifies no attestation, so it refuses Recipient
 * rather than return the secret in the clear. CustomKeyStoreId, XksKeyId, a ListKeyPolicies
 * Marker and STS session restrictions are refused likewise; DryRunModifiers is honoured.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateKeyCommand,
  DecryptCommand,
  DeriveSharedSecretCommand,
  DisableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateRandomCommand,
  GetPublicKeyCommand,
  ListKeyPoliciesCommand,
  ListKeysCommand,
  ReEncryptCommand,
} from '@aws-sdk/client-kms';
import { rejectsWith } from '../support/assert-aws.ts';
import { signedKmsRequest, stsRequest } from '../support/signed-request.ts';
import { startTrent, tempDir, TEST_ACCESS_KEY_ID, TEST_ACCOUNT, TEST_SECRET, type Harness } from '../support/trent.ts';

const ROLE_ARN = `arn:aws:iam::${TEST_ACCOUNT}:role/Reader`;

let h: Harness;
let keyId: string;
let ecdhKeyId: string;
before(async () => {
  h = await startTrent();
  keyId = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  ecdhKeyId = (await h.kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' }))).KeyMetadata!.KeyId!;
});
after(async () => {
  await h.stop();
});

const RECIPIENT = { KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256' as const, AttestationDocument: Buffer.from('not an attestation document') };
const NO_RECIPIENT = /^Recipient is not supported: Trent does not verify Nitro Enclave or NitroTPM attestation documents/;

async function keyCount(): Promise<number> {
  return (await h.kms.send(new ListKeysCommand({}))).Keys!.length;
}

describe('Recipient (attested enclave) is refused, never answered in the clear', () => {
  test('Decrypt, GenerateDataKey, GenerateDataKeyPair, GenerateRandom, DeriveSharedSecret: UnsupportedOperationException', async () => {
    const blob = (await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('only for the enclave') }))).CiphertextBlob!;
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: blob, Recipient: RECIPIENT })), 'UnsupportedOperationException', NO_RECIPIENT);
    await rejectsWith(h.kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', Recipient: RECIPIENT })), 'UnsupportedOperationException', NO_RECIPIENT);
    await rejectsWith(h.kms.send(new GenerateDataKeyPairCommand({ KeyId: keyId, KeyPairSpec: 'ECC_NIST_P256', Recipient: RECIPIENT })), 'UnsupportedOperationException', NO_RECIPIENT);
    await rejectsWith(h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 32, Recipient: RECIPIENT })), 'UnsupportedOperationException', NO_RECIPIENT);
    const peer = (await h.kms.send(new GetPublicKeyCommand({ KeyId: ecdhKeyId }))).PublicKey!;
    await rejectsWith(
      h.kms.send(new DeriveSharedSecretCommand({ KeyId: ecdhKeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: peer, Recipient: RECIPIENT })),
      'UnsupportedOperationException',
      NO_RECIPIENT,
    );
  });

  test('a malformed Recipient is a ValidationException first, as the model bounds it', async () => {
    const r = await signedKmsRequest(h.trent.url, h.trent.caPath, 'GenerateRandom', JSON.stringify({ NumberOfBytes: 8, Recipient: { KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_1', AttestationDocument: 'YQ==' } }));
    assert.equal(r.status, 400, r.body);
    assert.equal(r.json().__type, 'ValidationException', r.body);
  });
});

describe('custom key stores: Trent has none', () => {
  test('CreateKey with CustomKeyStoreId: CustomKeyStoreNotFoundException, no key created', async () => {
    const before = await keyCount();
    await rejectsWith(h.kms.send(new CreateKeyCommand({ CustomKeyStoreId: 'cks-1234567890abcdef0' })), 'CustomKeyStoreNotFoundException', /Trent has no custom key stores/);
    await rejectsWith(
      h.kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: 'cks-1234567890abcdef0', XksKeyId: 'ext-key-1' })),
      'CustomKeyStoreNotFoundException',
    );
    await rejectsWith(h.kms.send(new CreateKeyCommand({ XksKeyId: 'ext-key-1' })), 'UnsupportedOperationException', /^XksKeyId is valid only for a KMS key in an external key store/);
    await rejectsWith(h.kms.send(new CreateKeyCommand({ XksKeyId: 'bad key id!' })), 'ValidationException', /at 'xksKeyId' failed to satisfy constraint: Member must satisfy regular expression pattern/);
    assert.equal(await keyCount(), before);
  });

  test('GenerateRandom with CustomKeyStoreId: CustomKeyStoreNotFoundException, not bytes from elsewhere', async () => {
    await rejectsWith(h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 32, CustomKeyStoreId: 'cks-1234567890abcdef0' })), 'CustomKeyStoreNotFoundException', /^Custom key store 'cks-1234567890abcdef0' does not exist/);
  });
});

describe('other members that were decoded and dropped', () => {
  test('DryRunModifiers IGNORE_CIPHERTEXT is honoured: the named key is authorized and checked, the ciphertext is not read', async () => {
    const garbage = Buffer.from('not a ciphertext at all');
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: garbage, KeyId: keyId, DryRun: true, DryRunModifiers: ['IGNORE_CIPHERTEXT'] })), 'DryRunOperationException');
    await rejectsWith(h.kms.send(new DecryptCommand({ KeyId: keyId, DryRun: true, DryRunModifiers: ['IGNORE_CIPHERTEXT'] } as never)), 'DryRunOperationException');
    await rejectsWith(
      h.kms.send(new ReEncryptCommand({ CiphertextBlob: garbage, SourceKeyId: keyId, DestinationKeyId: keyId, DryRun: true, DryRunModifiers: ['IGNORE_CIPHERTEXT'] })),
      'DryRunOperationException',
    );
    // The key is required, and its state is checked as in a real call.
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: garbage, DryRun: true, DryRunModifiers: ['IGNORE_CIPHERTEXT'] })), 'ValidationException', /^KeyId is required when DryRun is true/);
    await rejectsWith(h.kms.send(new ReEncryptCommand({ CiphertextBlob: garbage, DestinationKeyId: keyId, DryRun: true, DryRunModifiers: ['IGNORE_CIPHERTEXT'] })), 'ValidationException', /^SourceKeyId is required/);
    const disabled = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    await h.kms.send(new DisableKeyCommand({ KeyId: disabled }));
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: garbage, KeyId: disabled, DryRun: true, DryRunModifiers: ['IGNORE_CIPHERTEXT'] })), 'DisabledException');
    // Without the modifier the dry run still reads the ciphertext, and a real call still needs one.
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: garbage, KeyId: keyId, DryRun: true })), 'IncorrectKeyException');
    await rejectsWith(h.kms.send(new DecryptCommand({ KeyId: keyId } as never)), 'ValidationException', "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null");
  });

  test('ListKeyPolicies with a Marker: InvalidMarkerException (the answer is never truncated)', async () => {
    await rejectsWith(h.kms.send(new ListKeyPoliciesCommand({ KeyId: keyId, Marker: 'anything' })), 'InvalidMarkerException');
    assert.deepEqual((await h.kms.send(new ListKeyPoliciesCommand({ KeyId: keyId, Limit: 1 }))).PolicyNames, ['default']);
  });

  test('AssumeRole with a session Policy, Tags or MFA: refused, no session issued (without them: a session)', async () => {
    const dir = tempDir();
    const identitiesFile = join(dir, 'identities.json');
    writeFileSync(identitiesFile, JSON.stringify({ accounts: { [TEST_ACCOUNT]: { principals: [{ arn: ROLE_ARN }] } } }));
    const sts = await startTrent({ config: { identitiesFile } });
    try {
      const root = { accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET };
      const assume = (extra: Record<string, string>) => stsRequest(sts.trent.url, sts.trent.caPath, { Action: 'AssumeRole', RoleArn: ROLE_ARN, RoleSessionName: 'narrowed', ...extra }, root);
      const denyAll = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] });
      const extras: Record<string, string>[] = [
        { Policy: denyAll },
        { 'PolicyArns.member.1.arn': 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
        { 'Tags.member.1.Key': 'team', 'Tags.member.1.Value': 'a' },
        { SerialNumber: `arn:aws:iam::${TEST_ACCOUNT}:mfa/u`, TokenCode: '123456' },
        { SourceIdentity: 'alice' },
      ];
      for (const extra of extras) {
        const r = await assume(extra);
        assert.equal(r.status, 400, `${JSON.stringify(extra)}: ${r.body}`);
        assert.match(r.body, /<Code>ValidationError<\/Code><Message>Trent's STS does not support the AssumeRole parameter/, r.body);
        assert.doesNotMatch(r.body, /<SessionToken>/);
      }
      const ok = await assume({});
      assert.equal(ok.status, 200, ok.body);
      assert.match(ok.body, /<SessionToken>/);
      assert.equal((await stsRequest(sts.trent.url, sts.trent.caPath, { Action: 'GetCallerIdentity', Extra: '1' }, root)).status, 400);
    } finally {
      await sts.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
