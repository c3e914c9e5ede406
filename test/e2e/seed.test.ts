/**
 * `trent serve --seed <file>`: a local-kms seed.yaml read unchanged and a Trent-format seed; the
 * ciphertexts, MAC and signatures committed in test/vectors/seed/fixtures.json decrypt and verify
 * after a fresh start from the seed; a restart applies nothing twice and undoes no API change; a
 * broken seed stops the start with its file and line, having applied nothing.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  GenerateMacCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  GetPublicKeyCommand,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  SignCommand,
  VerifyCommand,
  VerifyMacCommand,
  type SigningAlgorithmSpec,
} from '@aws-sdk/client-kms';
import { openBlobOffline } from '../support/offline-blob.ts';
import { dropTestDatabase } from '../support/postgres.ts';
import { run } from '../support/run.ts';
import { ROOT, startTrent, tempDir, testStoreUrl, TEST_ACCESS_KEY_ID, TEST_SECRET, type Harness } from '../support/trent.ts';

const VECTORS = join(ROOT, 'test/vectors/seed');
const LOCAL_SEED = join(VECTORS, 'local-kms-seed.yaml');
const TRENT_SEED = join(VECTORS, 'trent-seed.yaml');
interface Sealed { keyId: string; plaintext: string; context?: Record<string, string>; blob: string }
const FIX = JSON.parse(readFileSync(join(VECTORS, 'fixtures.json'), 'utf8')) as {
  'local-kms': Record<'rotatedOld' | 'rotatedCurrent' | 'byAlias' | 'single' | 'external', Sealed> & {
    hmac: { keyId: string; message: string; mac: string };
    rsa: { keyId: string; message: string; algorithm: SigningAlgorithmSpec; signature: string };
    ecc: { keyId: string; message: string; algorithm: SigningAlgorithmSpec; signature: string };
  };
  trent: Record<'rotatedOld' | 'rotatedCurrent', Sealed>;
};

/** A data directory and (on the PostgreSQL pass) a database that outlive one Trent, for restarts. */
async function place(): Promise<{ dataDir: string; storeUrl?: string; start: (seedFile?: string) => Promise<Harness>; remove: () => Promise<void> }> {
  const dataDir = tempDir('trent-seed-');
  const storeUrl = await testStoreUrl();
  return {
    dataDir,
    ...(storeUrl ? { storeUrl } : {}),
    start: (seedFile) => startTrent({ dataDir, config: { ...(seedFile ? { seedFile } : {}), ...(storeUrl ? { storeUrl } : {}) } }),
    remove: async () => {
      if (storeUrl) await dropTestDatabase(storeUrl);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function opens(h: Harness, s: Sealed): Promise<void> {
  const r = await h.kms.send(new DecryptCommand({ CiphertextBlob: Buffer.from(s.blob, 'base64'), ...(s.context ? { EncryptionContext: s.context } : {}) }));
  assert.equal(Buffer.from(r.Plaintext!).toString(), s.plaintext, s.keyId);
}

test('local-kms seed.yaml, unchanged: fixed ids and material; the committed fixtures decrypt and verify after a fresh start', async () => {
  const p = await place();
  const h = await p.start(LOCAL_SEED);
  try {
    const f = FIX['local-kms'];
    for (const s of [f.rotatedOld, f.rotatedCurrent, f.byAlias, f.single, f.external]) await opens(h, s);
    // The old fixture was sealed under the first backing key, as written in the seed file.
    const firstBackingKey = /BackingKeys:\n\s+- ([0-9a-f]{64})/.exec(readFileSync(LOCAL_SEED, 'utf8'))![1]!;
    assert.equal(openBlobOffline(Buffer.from(firstBackingKey, 'hex'), Buffer.from(f.rotatedOld.blob, 'base64'), f.rotatedOld.context).plaintext.toString(), f.rotatedOld.plaintext);

    const rotated = (await h.kms.send(new DescribeKeyCommand({ KeyId: 'alias/seed-rotated' }))).KeyMetadata!;
    assert.equal(rotated.KeyId, f.rotatedOld.keyId);
    assert.equal(rotated.Description, 'rotated once; the second backing key is current');
    const rotations = (await h.kms.send(new ListKeyRotationsCommand({ KeyId: rotated.KeyId }))).Rotations!;
    assert.deepEqual(rotations.map((r) => [r.KeyMaterialId, r.RotationType]), [[rotated.CurrentKeyMaterialId, 'AUTOMATIC']]);
    const fresh = await h.kms.send(new EncryptCommand({ KeyId: rotated.KeyId, Plaintext: Buffer.from('x') }));
    assert.equal((await h.kms.send(new DecryptCommand({ CiphertextBlob: fresh.CiphertextBlob }))).KeyMaterialId, rotated.CurrentKeyMaterialId);

    const external = (await h.kms.send(new DescribeKeyCommand({ KeyId: f.external.keyId }))).KeyMetadata!;
    assert.deepEqual([external.Origin, external.KeyState, external.ExpirationModel], ['EXTERNAL', 'Enabled', 'KEY_MATERIAL_DOES_NOT_EXPIRE']);
    const pending = (await h.kms.send(new DescribeKeyCommand({ KeyId: '3e6c4d94-4a6a-40a1-93f7-774d05ae0cec' }))).KeyMetadata!;
    assert.deepEqual([pending.Origin, pending.KeyState], ['EXTERNAL', 'PendingImport']);

    const mac = await h.kms.send(new GenerateMacCommand({ KeyId: f.hmac.keyId, MacAlgorithm: 'HMAC_SHA_384', Message: Buffer.from(f.hmac.message) }));
    assert.equal(Buffer.from(mac.Mac!).toString('base64'), f.hmac.mac);
    assert.equal((await h.kms.send(new VerifyMacCommand({ KeyId: f.hmac.keyId, MacAlgorithm: 'HMAC_SHA_384', Message: Buffer.from(f.hmac.message), Mac: Buffer.from(f.hmac.mac, 'base64') }))).MacValid, true);
    for (const s of [f.rsa, f.ecc]) {
      const v = await h.kms.send(new VerifyCommand({ KeyId: s.keyId, SigningAlgorithm: s.algorithm, Message: Buffer.from(s.message), Signature: Buffer.from(s.signature, 'base64') }));
      assert.equal(v.SignatureValid, true, s.keyId);
    }
    // PKCS#1 v1.5 is deterministic: the same key signs the same bytes again.
    const again = await h.kms.send(new SignCommand({ KeyId: f.rsa.keyId, SigningAlgorithm: f.rsa.algorithm, Message: Buffer.from(f.rsa.message) }));
    assert.equal(Buffer.from(again.Signature!).toString('base64'), f.rsa.signature);
    // The ECC key is the PEM's: GetPublicKey is its public half.
    const pem = /PrivateKeyPem: \|\n((?:\s+.+\n)+?)\s*\n/.exec(readFileSync(LOCAL_SEED, 'utf8').split('Ecc:')[1]!)![1]!.replace(/^\s+/gm, '');
    const pub = await h.kms.send(new GetPublicKeyCommand({ KeyId: 'alias/seed-signer' }));
    assert.deepEqual(Buffer.from(pub.PublicKey!), createPublicKey(createPrivateKey(pem)).export({ format: 'der', type: 'spki' }));
    assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId: f.rsa.keyId }))).KeyMetadata!.KeySpec, 'RSA_2048');
  } finally {
    await h.stop();
    await p.remove();
  }
});

test('Trent format: policy, tags, grants, rotation settings, a disabled key, a generated key; idempotent on restart', async () => {
  const p = await place();
  let h = await p.start(TRENT_SEED);
  try {
    const f = FIX.trent;
    await opens(h, f.rotatedOld);
    await opens(h, f.rotatedCurrent);
    const id = f.rotatedOld.keyId;
    const md = (await h.kms.send(new DescribeKeyCommand({ KeyId: 'alias/payments' }))).KeyMetadata!;
    assert.equal(md.KeyId, id);
    assert.equal(md.Description, 'payments data key');
    assert.equal(JSON.parse((await h.kms.send(new GetKeyPolicyCommand({ KeyId: id, PolicyName: 'default' }))).Policy!).Id, 'seeded');
    assert.deepEqual((await h.kms.send(new ListResourceTagsCommand({ KeyId: id }))).Tags, [{ TagKey: 'team', TagValue: 'payments' }, { TagKey: 'env', TagValue: 'test' }]);
    const grants = (await h.kms.send(new ListGrantsCommand({ KeyId: id }))).Grants!;
    assert.equal(grants.length, 1);
    assert.deepEqual([grants[0]!.Name, grants[0]!.GranteePrincipal, [...grants[0]!.Operations!].sort(), grants[0]!.Constraints], ['app-decrypt', 'arn:aws:iam::111122223333:role/app', ['Decrypt', 'Encrypt'], { EncryptionContextSubset: { app: 'payments' } }]);
    const rot = await h.kms.send(new GetKeyRotationStatusCommand({ KeyId: id }));
    assert.deepEqual([rot.KeyRotationEnabled, rot.RotationPeriodInDays, rot.NextRotationDate?.toISOString()], [true, 180, '2031-01-01T00:00:00.000Z']);
    assert.deepEqual((await h.kms.send(new ListKeyRotationsCommand({ KeyId: id }))).Rotations!.map((r) => r.RotationType), ['ON_DEMAND']);
    const ed = (await h.kms.send(new DescribeKeyCommand({ KeyId: '0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f' }))).KeyMetadata!;
    assert.deepEqual([ed.KeySpec, ed.KeyState], ['ECC_NIST_EDWARDS25519', 'Disabled']);
    const generated = '7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b';
    const before = (await h.kms.send(new DescribeKeyCommand({ KeyId: generated }))).KeyMetadata!;
    const sealed = await h.kms.send(new EncryptCommand({ KeyId: generated, Plaintext: Buffer.from('made before the restart') }));
    const versions = await Promise.all([id, generated].map((k) => h.trent.core.store.getKey({ keyId: k, region: 'us-east-1' }).then((r) => r!.version)));
    // An API change the restart must not undo.
    await h.kms.send(new DisableKeyCommand({ KeyId: id }));
    await h.stop();

    h = await p.start(TRENT_SEED);
    assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId: id }))).KeyMetadata!.KeyState, 'Disabled', 'the seed does not re-enable a key');
    assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId: generated }))).KeyMetadata!.CurrentKeyMaterialId, before.CurrentKeyMaterialId);
    assert.equal(Buffer.from((await h.kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }))).Plaintext!).toString(), 'made before the restart');
    assert.equal((await h.kms.send(new ListGrantsCommand({ KeyId: id }))).Grants!.length, 1, 'no second grant');
    assert.equal((await h.trent.core.store.getKey({ keyId: generated, region: 'us-east-1' }))!.version, versions[1], 'nothing written to a key already there');
    assert.equal((await h.kms.send(new ListAliasesCommand({}))).Aliases!.filter((a) => a.AliasName === 'alias/payments').length, 1);
    assert.equal((await h.kms.send(new ListKeysCommand({}))).Keys!.length, 3);
  } finally {
    await h.stop();
    await p.remove();
  }
});

test('a broken seed stops the start with its file, line and field, and applies nothing', async () => {
  const p = await place();
  const seed = join(p.dataDir, 'broken-seed.yaml');
  const good = readFileSync(LOCAL_SEED, 'utf8');
  // The error is in the second AES key; the first is fine and must not be created either.
  const broken = good.replace(/(KeyId: aaea8914-dbef-4b5e-be55-86904d0d550b\n\s+BackingKeys:\n\s+- )[0-9a-f]{64}/, '$1not-hex');
  assert.notEqual(broken, good);
  writeFileSync(seed, broken);
  const line = broken.split('\n').findIndex((l) => l.includes('not-hex')) + 1;
  try {
    await assert.rejects(p.start(seed), (e: Error) => {
      assert.equal(e.message, `${seed}:${line}: Keys.Symmetric.Aes.1.BackingKeys.0: must be hex (an even number of 0-9 a-f)`);
      return true;
    });
    const cases: [string, RegExp][] = [
      [good.replace('KeyUsage: SIGN_VERIFY # or', 'KeyUsage: SIGN_VERIFY # or').replace(/(Rsa:\n\s+- Metadata:\n\s+KeyId: [0-9a-f-]+\n)\s+KeyUsage: SIGN_VERIFY\n/, '$1'), /:\d+: Keys\.Asymmetric\.Rsa\.0\.Metadata\.KeyUsage: is required for RSA keys/],
      [good.replace('TargetKeyId: 43f3fe15-a105-402f-97d3-a6b286048bab', 'TargetKeyId: 00000000-0000-4000-8000-000000000000'), /:\d+: TargetKeyId: no key 00000000-0000-4000-8000-000000000000 in the seed or in account 111122223333/],
      [good.replace('KeyId: aaea8914-dbef-4b5e-be55-86904d0d550b', 'KeyId: 736caa75-68b7-4fc4-bd8e-2f59748189db'), /:12: key 736caa75-68b7-4fc4-bd8e-2f59748189db is declared twice \(first at .*:6\)/],
      [`${good}\n  - AliasName: [unclosed\n`, /:\d+: /],
      ['Trent: 1\nKeys:\n  - KeyId: 6a3c0e5e-1b7a-4c2e-9d41-0f5b8e2a7c11\n    KeySpecc: HMAC_256\n', /:4: Keys\.0\.KeySpecc: unknown field/],
      ['Trent: 1\nKeys:\n  - KeyId: 6a3c0e5e-1b7a-4c2e-9d41-0f5b8e2a7c11\n    Materials:\n      - Hex: 00ff\n', /:5: Keys\.0\.Materials\.0\.Hex: not key material for SYMMETRIC_DEFAULT: symmetric key material must be 256 bits/],
      ['Trent: 1\nKeys:\n  - KeyId: 6a3c0e5e-1b7a-4c2e-9d41-0f5b8e2a7c11\n    Policy: { Version: "2012-10-17", Statement: [{ Effect: Allow, Principal: { AWS: "arn:aws:iam::111122223333:user/ghost" }, Action: "kms:*", Resource: "*" }] }\n', /:3: Policy: /],
    ];
    for (const [text, expected] of cases) {
      writeFileSync(seed, text);
      await assert.rejects(p.start(seed), (e: Error) => {
        assert.match(e.message, expected);
        assert.ok(e.message.startsWith(`${seed}:`), e.message);
        return true;
      });
    }
    // Nothing of any of them was applied.
    const h = await p.start();
    try {
      assert.deepEqual((await h.kms.send(new ListKeysCommand({}))).Keys, []);
      assert.deepEqual((await h.kms.send(new ListAliasesCommand({}))).Aliases, []);
      // A key id the seed names that exists with another spec is refused too.
      const other = (await h.kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }))).KeyMetadata!;
      writeFileSync(seed, `Trent: 1\nKeys:\n  - KeyId: ${other.KeyId}\n`);
    } finally {
      await h.stop();
    }
    await assert.rejects(p.start(seed), /:3: key [0-9a-f-]+ exists as HMAC_256 GENERATE_VERIFY_MAC AWS_KMS; the seed says SYMMETRIC_DEFAULT ENCRYPT_DECRYPT AWS_KMS/);

    // The command line: exit code 2 and the same message.
    writeFileSync(seed, broken);
    const r = await run(process.execPath, [join(ROOT, 'bin/trent.js'), 'serve', '--port', '0', '--data-dir', p.dataDir, '--seed', seed, ...(p.storeUrl ? ['--store', p.storeUrl] : [])], {
      env: { ...process.env, TRENT_ROOT_ACCESS_KEY_ID: TEST_ACCESS_KEY_ID, TRENT_ROOT_SECRET_ACCESS_KEY: TEST_SECRET },
    });
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes(`${seed}:${line}: Keys.Symmetric.Aes.1.BackingKeys.0: must be hex`), r.stderr);
  } finally {
    await p.remove();
  }
});
