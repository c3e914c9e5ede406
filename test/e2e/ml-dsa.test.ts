/**
 * ML_DSA_44/65/87 keys through @aws-sdk/client-kms: CreateKey/DescribeKey, GetPublicKey's NIST
 * SubjectPublicKeyInfo, Sign/Verify RAW and EXTERNAL_MU with every signature checked by
 * pyca/cryptography (its own OpenSSL; Debian's OpenSSL 3.0 CLI has no ML-DSA), μ computed here
 * from FIPS 204 with node:crypto's SHAKE256, AWS's errors, and material that survives a restart
 * and never reaches the store unwrapped.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateKeyCommand, DescribeKeyCommand, GetPublicKeyCommand, SignCommand, VerifyCommand, type KMSClient, type KeySpec,
} from '@aws-sdk/client-kms';
import { dropTestDatabase } from '../support/postgres.ts';
import { rejectsWith } from '../support/assert-aws.ts';
import { pycaMlDsa, pycaMlDsaUnavailable } from '../support/pyca-mldsa.ts';
import { startTrent, tempDir, TEST_STORE, testStoreUrl, type Harness } from '../support/trent.ts';

const SPECS = ['ML_DSA_44', 'ML_DSA_65', 'ML_DSA_87'] as const;
type Spec = (typeof SPECS)[number];
/** FIPS 204 Table 2; SubjectPublicKeyInfo = 22 bytes of DER + pk (AWS: 1,334 bytes and 2,420-byte signatures for ML_DSA_44). */
const SIZES: Record<Spec, { pk: number; sig: number; spki: number; oid: number }> = {
  ML_DSA_44: { pk: 1312, sig: 2420, spki: 1334, oid: 0x11 },
  ML_DSA_65: { pk: 1952, sig: 3309, spki: 1974, oid: 0x12 },
  ML_DSA_87: { pk: 2592, sig: 4627, spki: 2614, oid: 0x13 },
};

const bytes = (s: string) => new TextEncoder().encode(s);
/** μ = SHAKE256(SHAKE256(pk, 64) ‖ 0x00 ‖ 0x00 ‖ M, 64): FIPS 204 §6.2 with the empty context, as KMS's "Offline verification with ML-DSA key pairs" computes it. */
function externalMu(publicKey: Uint8Array, message: Uint8Array): Buffer {
  const tr = createHash('shake256', { outputLength: 64 }).update(publicKey).digest();
  return createHash('shake256', { outputLength: 64 }).update(tr).update(Uint8Array.of(0, 0)).update(message).digest();
}

/** Off CI a missing pyca/cryptography skips the outside checks (reported as a diagnostic); with CI=true they fail. */
const pycaMissing = await pycaMlDsaUnavailable();
const pycaSkip = pycaMissing !== undefined && process.env.CI !== 'true' ? pycaMissing : false;

let h: Harness;
const keys = new Map<Spec, { id: string; arn: string; spki: Uint8Array; pk: Uint8Array }>();
const key = (spec: Spec) => keys.get(spec)!;

before(async () => {
  h = await startTrent();
  for (const spec of SPECS) {
    const md = (await h.kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: 'SIGN_VERIFY', Description: `firmware signing ${spec}` }))).KeyMetadata!;
    const spki = (await h.kms.send(new GetPublicKeyCommand({ KeyId: md.KeyId }))).PublicKey!;
    keys.set(spec, { id: md.KeyId!, arn: md.Arn!, spki, pk: spki.subarray(spki.length - SIZES[spec].pk) });
  }
});
after(async () => {
  await h.stop();
});

describe('ML-DSA keys', () => {
  test('CreateKey / DescribeKey: SIGN_VERIFY only, ML_DSA_SHAKE_256', async () => {
    for (const spec of SPECS) {
      const md = (await h.kms.send(new DescribeKeyCommand({ KeyId: key(spec).id }))).KeyMetadata!;
      assert.equal(md.KeySpec, spec);
      assert.equal(md.CustomerMasterKeySpec, spec);
      assert.equal(md.KeyUsage, 'SIGN_VERIFY');
      assert.equal(md.KeyState, 'Enabled');
      assert.deepEqual(md.SigningAlgorithms, ['ML_DSA_SHAKE_256']);
      assert.equal(md.EncryptionAlgorithms, undefined);
      assert.equal(md.KeyAgreementAlgorithms, undefined);
      await rejectsWith(h.kms.send(new CreateKeyCommand({ KeySpec: spec })), 'ValidationException', 'You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.');
      for (const usage of ['ENCRYPT_DECRYPT', 'KEY_AGREEMENT', 'GENERATE_VERIFY_MAC'] as const) {
        await rejectsWith(h.kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: usage })), 'ValidationException', `KeyUsage ${usage} is not compatible with KeySpec ${spec}`);
      }
    }
  });

  test('GetPublicKey: DER SubjectPublicKeyInfo with the NIST OID and absent parameters, pk as the BIT STRING', async () => {
    for (const spec of SPECS) {
      const r = await h.kms.send(new GetPublicKeyCommand({ KeyId: key(spec).id }));
      assert.equal(r.KeyId, key(spec).arn);
      assert.equal(r.KeySpec, spec);
      assert.equal(r.KeyUsage, 'SIGN_VERIFY');
      assert.deepEqual(r.SigningAlgorithms, ['ML_DSA_SHAKE_256']);
      const der = Buffer.from(r.PublicKey!);
      assert.equal(der.length, SIZES[spec].spki);
      const inner = SIZES[spec].spki - 4;
      const bits = SIZES[spec].pk + 1;
      // SEQUENCE { SEQUENCE { OID 2.16.840.1.101.3.4.3.17|18|19 }, BIT STRING { 0 unused bits, pk } }
      const header = Buffer.from([0x30, 0x82, inner >> 8, inner & 0xff, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, SIZES[spec].oid, 0x03, 0x82, bits >> 8, bits & 0xff, 0x00]);
      assert.deepEqual(der.subarray(0, 22), header, spec);
    }
  });
});

describe('ML-DSA Sign / Verify', () => {
  test('RAW: FIPS 204 sizes, Trent verifies, tampering fails, every signature verifies with pyca/cryptography', async (t) => {
    const outside: { spki: Uint8Array; message: Uint8Array; signature: Uint8Array }[] = [];
    for (const spec of SPECS) {
      const k = key(spec);
      const message = bytes(`PetTracker collar firmware 4.2.0 for ${spec}`);
      const s = await h.kms.send(new SignCommand({ KeyId: k.id, Message: message, SigningAlgorithm: 'ML_DSA_SHAKE_256' }));
      assert.equal(s.KeyId, k.arn);
      assert.equal(s.SigningAlgorithm, 'ML_DSA_SHAKE_256');
      assert.equal(s.Signature!.length, SIZES[spec].sig);
      const again = await h.kms.send(new SignCommand({ KeyId: k.id, Message: message, MessageType: 'RAW', SigningAlgorithm: 'ML_DSA_SHAKE_256' }));
      assert.notDeepEqual(again.Signature, s.Signature, 'hedged signing');
      for (const signature of [s.Signature!, again.Signature!]) {
        const v = await h.kms.send(new VerifyCommand({ KeyId: k.id, Message: message, Signature: signature, SigningAlgorithm: 'ML_DSA_SHAKE_256' }));
        assert.equal(v.SignatureValid, true);
        assert.equal(v.KeyId, k.arn);
        outside.push({ spki: k.spki, message, signature });
      }
      const tampered = Buffer.from(message);
      tampered[0]! ^= 1;
      await rejectsWith(h.kms.send(new VerifyCommand({ KeyId: k.id, Message: tampered, Signature: s.Signature, SigningAlgorithm: 'ML_DSA_SHAKE_256' })), 'KMSInvalidSignatureException');
      const badSig = Buffer.from(s.Signature!);
      badSig[40]! ^= 1;
      await rejectsWith(h.kms.send(new VerifyCommand({ KeyId: k.id, Message: message, Signature: badSig, SigningAlgorithm: 'ML_DSA_SHAKE_256' })), 'KMSInvalidSignatureException');
      // Another parameter set's key (and signature size) is just a bad signature.
      const other = key(spec === 'ML_DSA_44' ? 'ML_DSA_87' : 'ML_DSA_44');
      await rejectsWith(h.kms.send(new VerifyCommand({ KeyId: other.id, Message: message, Signature: s.Signature, SigningAlgorithm: 'ML_DSA_SHAKE_256' })), 'KMSInvalidSignatureException');
    }
    if (pycaSkip) return t.diagnostic(`not checked by pyca/cryptography: ${pycaSkip}`);
    const { verify } = await pycaMlDsa({ verify: outside });
    assert.deepEqual(verify.map((v) => v.valid), outside.map(() => true));
    assert.deepEqual([...new Set(verify.map((v) => v.keyType))], ['MLDSA44PublicKey', 'MLDSA65PublicKey', 'MLDSA87PublicKey']);
  });

  test('EXTERNAL_MU: a μ computed here signs a message over 4 KB; the signature is a RAW one over M (pyca agrees)', async (t) => {
    const outside: { spki: Uint8Array; message: Uint8Array; signature: Uint8Array }[] = [];
    for (const spec of SPECS) {
      const k = key(spec);
      // "For larger messages, you must externally compute the 64-byte message representation μ" (KMS developer guide).
      const crl = randomBytes(20_000);
      const mu = externalMu(k.pk, crl);
      const s = await h.kms.send(new SignCommand({ KeyId: k.id, Message: mu, MessageType: 'EXTERNAL_MU', SigningAlgorithm: 'ML_DSA_SHAKE_256' }));
      assert.equal(s.Signature!.length, SIZES[spec].sig);
      assert.equal((await h.kms.send(new VerifyCommand({ KeyId: k.id, Message: mu, MessageType: 'EXTERNAL_MU', Signature: s.Signature, SigningAlgorithm: 'ML_DSA_SHAKE_256' }))).SignatureValid, true);
      outside.push({ spki: k.spki, message: crl, signature: s.Signature! });

      // "The signatures produced by the externally computed μ are the same as the RAW ones": both directions through Trent.
      const small = bytes(`release notes ${spec}`);
      const fromMu = await h.kms.send(new SignCommand({ KeyId: k.id, Message: externalMu(k.pk, small), MessageType: 'EXTERNAL_MU', SigningAlgorithm: 'ML_DSA_SHAKE_256' }));
      assert.equal((await h.kms.send(new VerifyCommand({ KeyId: k.id, Message: small, MessageType: 'RAW', Signature: fromMu.Signature, SigningAlgorithm: 'ML_DSA_SHAKE_256' }))).SignatureValid, true);
      const raw = await h.kms.send(new SignCommand({ KeyId: k.id, Message: small, SigningAlgorithm: 'ML_DSA_SHAKE_256' }));
      assert.equal((await h.kms.send(new VerifyCommand({ KeyId: k.id, Message: externalMu(k.pk, small), MessageType: 'EXTERNAL_MU', Signature: raw.Signature, SigningAlgorithm: 'ML_DSA_SHAKE_256' }))).SignatureValid, true);
      outside.push({ spki: k.spki, message: small, signature: fromMu.Signature! });
      // A μ bound to another key's public key is not this key's μ.
      const foreign = externalMu(key(spec === 'ML_DSA_65' ? 'ML_DSA_44' : 'ML_DSA_65').pk, small);
      await rejectsWith(h.kms.send(new VerifyCommand({ KeyId: k.id, Message: foreign, MessageType: 'EXTERNAL_MU', Signature: raw.Signature, SigningAlgorithm: 'ML_DSA_SHAKE_256' })), 'KMSInvalidSignatureException');
    }
    if (pycaSkip) return t.diagnostic(`not checked by pyca/cryptography: ${pycaSkip}`);
    const { verify } = await pycaMlDsa({ verify: outside });
    assert.deepEqual(verify.map((v) => v.valid), outside.map(() => true));
  });

  test('AWS\'s errors: DIGEST, μ length, algorithms of other specs, EXTERNAL_MU elsewhere, sizes, DryRun', async () => {
    const k = key('ML_DSA_44');
    // Measured against AWS (floci-io/floci#3025).
    await rejectsWith(h.kms.send(new SignCommand({ KeyId: k.id, Message: randomBytes(64), MessageType: 'DIGEST', SigningAlgorithm: 'ML_DSA_SHAKE_256' })), 'ValidationException', 'Message type DIGEST is incompatible with key spec ML_DSA_44.');
    await rejectsWith(h.kms.send(new VerifyCommand({ KeyId: key('ML_DSA_87').id, Message: randomBytes(64), MessageType: 'DIGEST', Signature: randomBytes(4627), SigningAlgorithm: 'ML_DSA_SHAKE_256' })), 'ValidationException', 'Message type DIGEST is incompatible with key spec ML_DSA_87.');
    // "When the value of MessageType is EXTERNAL_MU the length of the Message value must be 64 bytes." (wording unverified)
    for (const n of [32, 63, 65]) {
      await rejectsWith(h.kms.send(new SignCommand({ KeyId: k.id, Message: randomBytes(n), MessageType: 'EXTERNAL_MU', SigningAlgorithm: 'ML_DSA_SHAKE_256' })), 'ValidationException', 'Digest is invalid length for algorithm ML_DSA_SHAKE_256.');
    }
    for (const algorithm of ['ECDSA_SHA_256', 'RSASSA_PSS_SHA_256', 'ED25519_SHA_512'] as const) {
      await rejectsWith(h.kms.send(new SignCommand({ KeyId: key('ML_DSA_65').id, Message: bytes('x'), SigningAlgorithm: algorithm })), 'InvalidKeyUsageException', `Algorithm ${algorithm} is incompatible with key spec ML_DSA_65.`);
    }
    const ecc = (await h.kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!;
    await rejectsWith(h.kms.send(new SignCommand({ KeyId: ecc.KeyId, Message: randomBytes(64), MessageType: 'EXTERNAL_MU', SigningAlgorithm: 'ECDSA_SHA_256' })), 'ValidationException', 'Message type EXTERNAL_MU is incompatible with key spec ECC_NIST_P256.');
    await rejectsWith(h.kms.send(new SignCommand({ KeyId: ecc.KeyId, Message: bytes('x'), SigningAlgorithm: 'ML_DSA_SHAKE_256' })), 'InvalidKeyUsageException', 'Algorithm ML_DSA_SHAKE_256 is incompatible with key spec ECC_NIST_P256.');
    await h.kms.send(new SignCommand({ KeyId: k.id, Message: randomBytes(4096), SigningAlgorithm: 'ML_DSA_SHAKE_256' }));
    await rejectsWith(h.kms.send(new SignCommand({ KeyId: k.id, Message: randomBytes(4097), SigningAlgorithm: 'ML_DSA_SHAKE_256' })), 'ValidationException', "1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to 4096");
    await rejectsWith(h.kms.send(new VerifyCommand({ KeyId: k.id, Message: bytes('x'), Signature: randomBytes(2419), SigningAlgorithm: 'ML_DSA_SHAKE_256' })), 'KMSInvalidSignatureException');
    await rejectsWith(h.kms.send(new SignCommand({ KeyId: k.id, Message: bytes('x'), SigningAlgorithm: 'ML_DSA_SHAKE_256', DryRun: true })), 'DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.');
  });
});

describe('ML-DSA material', () => {
  /** The PKCS#8 seed form's fixed DER before the seed (RFC 9881): what unwrapped material would start with. */
  const seedFormPrefix = (oid: number) => Buffer.from([0x30, 0x34, 0x02, 0x01, 0x00, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, oid, 0x04, 0x22, 0x80, 0x20]);
  const filesUnder = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));

  test('survives a restart (same public key, old signatures verify, new ones too) and is stored wrapped', async () => {
    const dataDir = tempDir();
    const storeUrl = await testStoreUrl();
    const start = () => startTrent({ dataDir, ...(storeUrl !== undefined ? { config: { storeUrl } } : {}) });
    let t: Harness | undefined = await start();
    try {
      const made: { spec: KeySpec; id: string; spki: Uint8Array; message: Uint8Array; signature: Uint8Array }[] = [];
      for (const spec of SPECS) {
        const id = (await t.kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!.KeyId!;
        const spki = (await t.kms.send(new GetPublicKeyCommand({ KeyId: id }))).PublicKey!;
        const message = bytes(`signed before the restart ${spec}`);
        const signature = (await t.kms.send(new SignCommand({ KeyId: id, Message: message, SigningAlgorithm: 'ML_DSA_SHAKE_256' }))).Signature!;
        made.push({ spec, id, spki, message, signature });
      }
      if (TEST_STORE === 'sqlite') {
        const everything = Buffer.concat(filesUnder(dataDir).map((f) => readFileSync(f)));
        for (const spec of SPECS) assert.equal(everything.indexOf(seedFormPrefix(SIZES[spec].oid)), -1, `no unwrapped ${spec} material in ${dataDir}`);
      }
      await t.stop();
      t = undefined;
      t = await start();
      const kms: KMSClient = t.kms;
      for (const m of made) {
        assert.deepEqual((await kms.send(new GetPublicKeyCommand({ KeyId: m.id }))).PublicKey, m.spki, `${m.spec} public key after restart`);
        assert.equal((await kms.send(new VerifyCommand({ KeyId: m.id, Message: m.message, Signature: m.signature, SigningAlgorithm: 'ML_DSA_SHAKE_256' }))).SignatureValid, true);
        const fresh = await kms.send(new SignCommand({ KeyId: m.id, Message: m.message, SigningAlgorithm: 'ML_DSA_SHAKE_256' }));
        assert.equal((await kms.send(new VerifyCommand({ KeyId: m.id, Message: m.message, Signature: fresh.Signature, SigningAlgorithm: 'ML_DSA_SHAKE_256' }))).SignatureValid, true);
      }
    } finally {
      await t?.stop();
      if (storeUrl !== undefined) await dropTestDatabase(storeUrl);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
