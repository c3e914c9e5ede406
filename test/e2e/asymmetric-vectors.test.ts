/**
 * Known-answer and edge vectors (test/vectors/asymmetric, made by make-vectors.ts with OpenSSL):
 * eleven private keys loaded the way a user loads known keys — a Trent-format seed file with
 * PEM private keys (`trent serve --seed`) — then, through @aws-sdk/client-kms:
 * - GetPublicKey returns exactly the DER public key OpenSSL derived from each PEM;
 * - Verify of each committed signature gives OpenSSL's verdict: SignatureValid true, or
 *   KMSInvalidSignatureException (RSA-PSS and PKCS#1 v1.5 at 2048/3072/4096 bits with SHA-256/384/
 *   512, ECDSA on P-256/P-384/P-521/secp256k1 with high S, r or s zero or out of range, BER and
 *   non-minimal DER, trailing bytes, P1363 encoding, Ed25519 with non-canonical S; RAW and DIGEST);
 * - Decrypt of each committed RSAES-OAEP (SHA-1, SHA-256) ciphertext returns its plaintext, and a
 *   tampered one or one given the other hash is InvalidCiphertextException.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  DecryptCommand, DescribeKeyCommand, GetPublicKeyCommand, VerifyCommand,
  type EncryptionAlgorithmSpec, type MessageType, type SigningAlgorithmSpec,
} from '@aws-sdk/client-kms';
import { ROOT, startTrent, type Harness } from '../support/trent.ts';

const DIR = join(ROOT, 'test/vectors/asymmetric');
interface Vectors {
  keys: { keyId: string; keySpec: string; keyUsage: string; publicKey: string }[];
  signatures: { keyId: string; name: string; algorithm: string; messageType: 'RAW' | 'DIGEST'; message: string; signature: string; valid: boolean }[];
  decrypts: { keyId: string; name: string; algorithm: string; ciphertext: string; plaintext: string | null }[];
}
const vectors = JSON.parse(readFileSync(join(DIR, 'vectors.json'), 'utf8')) as Vectors;
const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));
const specOf = new Map(vectors.keys.map((k) => [k.keyId, k.keySpec]));

/** Runs `fn` over `items`, `width` at a time, in order of submission. */
async function inBatches<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(fn));
}

/** The error name of a rejected call, or 'ok'. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return (e as Error).name;
  }
}

let h: Harness;
before(async () => {
  h = await startTrent({ tls: false, config: { seedFile: join(DIR, 'seed.yaml') } });
});
after(async () => {
  await h.stop();
});

test('the vectors cover every key spec and algorithm, with valid and invalid cases for each', () => {
  assert.deepEqual([...new Set(vectors.keys.map((k) => k.keySpec))].sort(), [
    'ECC_NIST_EDWARDS25519', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1', 'RSA_2048', 'RSA_3072', 'RSA_4096',
  ]);
  const algorithms = new Set(vectors.signatures.map((s) => s.algorithm));
  assert.equal(algorithms.size, 10);
  for (const alg of algorithms) {
    const cases = vectors.signatures.filter((s) => s.algorithm === alg);
    assert.ok(cases.some((s) => s.valid) && cases.some((s) => !s.valid), alg);
  }
  assert.ok(vectors.signatures.length >= 250, `${vectors.signatures.length} signature cases`);
  assert.ok(vectors.decrypts.filter((d) => d.plaintext !== null).length >= 18);
});

test('seeded from PEM: each key has its spec and usage, and GetPublicKey returns the DER public key OpenSSL derived', async () => {
  for (const k of vectors.keys) {
    const md = (await h.kms.send(new DescribeKeyCommand({ KeyId: k.keyId }))).KeyMetadata!;
    assert.equal(md.KeySpec, k.keySpec);
    assert.equal(md.KeyUsage, k.keyUsage);
    const pub = await h.kms.send(new GetPublicKeyCommand({ KeyId: k.keyId }));
    assert.equal(Buffer.from(pub.PublicKey!).toString('base64'), k.publicKey, `${k.keySpec} ${k.keyUsage}`);
  }
});

test('Verify of every committed signature gives OpenSSL’s verdict (valid → SignatureValid, invalid → KMSInvalidSignatureException)', async () => {
  const wrong: string[] = [];
  await inBatches(vectors.signatures, 8, async (c) => {
    const got = await outcome(h.kms.send(new VerifyCommand({
      KeyId: c.keyId, Message: bytes(c.message), MessageType: c.messageType as MessageType, Signature: bytes(c.signature), SigningAlgorithm: c.algorithm as SigningAlgorithmSpec,
    })).then((r) => assert.equal(r.SignatureValid, true)));
    const want = c.valid ? 'ok' : 'KMSInvalidSignatureException';
    if (got !== want) wrong.push(`${specOf.get(c.keyId)} ${c.algorithm} ${c.messageType} "${c.name}": expected ${want}, got ${got}`);
  });
  assert.deepEqual(wrong, []);
});

test('Decrypt of every committed RSAES-OAEP ciphertext returns its plaintext; a tampered one or the other hash is InvalidCiphertextException', async () => {
  const wrong: string[] = [];
  await inBatches(vectors.decrypts, 6, async (c) => {
    let got: string;
    try {
      const r = await h.kms.send(new DecryptCommand({ KeyId: c.keyId, CiphertextBlob: bytes(c.ciphertext), EncryptionAlgorithm: c.algorithm as EncryptionAlgorithmSpec }));
      assert.equal(r.KeyId, `arn:aws:kms:us-east-1:111122223333:key/${c.keyId}`);
      got = Buffer.from(r.Plaintext!).toString('base64');
    } catch (e) {
      got = (e as Error).name;
    }
    const want = c.plaintext ?? 'InvalidCiphertextException';
    if (got !== want) wrong.push(`${specOf.get(c.keyId)} ${c.algorithm} "${c.name}": expected ${want}, got ${got}`);
  });
  assert.deepEqual(wrong, []);
});
