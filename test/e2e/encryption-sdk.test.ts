/** Interop: the AWS Encryption SDK for JavaScript with a KMS keyring whose client points at Trent. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { buildClient, CommitmentPolicy, KmsKeyringNode } from '@aws-crypto/client-node';
import { CreateKeyCommand, KMS } from '@aws-sdk/client-kms';
import { kmsClientConfig, startTrent, type Harness } from '../support/trent.ts';

let h: Harness;
let keyArn: string;
before(async () => {
  h = await startTrent();
  keyArn = (await h.kms.send(new CreateKeyCommand({ Description: 'esdk' }))).KeyMetadata!.Arn!;
});
after(async () => {
  await h.stop();
});

test('encrypts and decrypts 10 MiB with an encryption context; a wrong context fails', async () => {
  const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const kms = new KMS(kmsClientConfig(h.trent.url, h.trent.caPath));
  const clientProvider = () => kms;
  const keyring = new KmsKeyringNode({ generatorKeyId: keyArn, clientProvider });
  const plaintext = randomBytes(10 * 1024 * 1024);
  const context = { app: 'pettracker', record: 'health' };
  const { result } = await encrypt(keyring, plaintext, { encryptionContext: context });
  assert.ok(result.length > plaintext.length);

  const { plaintext: back, messageHeader } = await decrypt(new KmsKeyringNode({ keyIds: [keyArn], clientProvider }), result);
  assert.ok(Buffer.from(back).equals(plaintext));
  assert.equal(messageHeader.encryptionContext.app, 'pettracker');
  assert.equal(messageHeader.encryptedDataKeys[0]?.providerInfo, keyArn);

  // The context travels in the message header and is bound into the KMS-wrapped data key:
  // change it and Trent's Decrypt of the data key fails, so the message does not decrypt.
  const tampered = Buffer.from(result);
  const at = tampered.indexOf(Buffer.from('pettracker'));
  assert.ok(at > 0);
  tampered[at] = 'P'.charCodeAt(0);
  await assert.rejects(decrypt(new KmsKeyringNode({ keyIds: [keyArn], clientProvider }), tampered));
});
