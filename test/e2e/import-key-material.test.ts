/**
 * Importing key material (BYOK) through @aws-sdk/client-kms: the shapes AWS recorded, the
 * imported bytes proven to be the ones in use (a ciphertext opened offline with them; MACs and
 * signatures computed outside Trent), several materials and RotateKeyOnDemand, deletion, expiry
 * on the test clock, and that neither the data directory nor the store holds the bytes in the clear.
 */
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, randomBytes, verify as nodeVerify } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateKeyCommand,
  DecryptCommand,
  DeleteImportedKeyMaterialCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateMacCommand,
  GetParametersForImportCommand,
  ImportKeyMaterialCommand,
  ListKeyRotationsCommand,
  RotateKeyOnDemandCommand,
  SignCommand,
  type AlgorithmSpec,
  type ImportKeyMaterialCommandInput,
  type KeySpec,
  type KeyUsageType,
} from '@aws-sdk/client-kms';
import { rejectsWith } from '../support/assert-aws.ts';
import { wrapForImport, type ClientWrappingAlgorithm } from '../support/byok.ts';
import { openBlobOffline } from '../support/offline-blob.ts';
import { rawRequest } from '../support/signed-request.ts';
import { startTrent, type Harness } from '../support/trent.ts';

let h: Harness;
before(async () => {
  h = await startTrent({ config: { clockControl: true } });
});
after(async () => {
  await h.stop();
});

/** Every material imported in this file, to look for in the data directory and the store. */
const imported: Buffer[] = [];

async function externalKey(keySpec: KeySpec = 'SYMMETRIC_DEFAULT', keyUsage?: KeyUsageType) {
  return (await h.kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL', KeySpec: keySpec, ...(keyUsage ? { KeyUsage: keyUsage } : {}), Description: 'byok' }))).KeyMetadata!;
}

async function importMaterial(keyId: string, material: Uint8Array, over: Partial<ImportKeyMaterialCommandInput> = {}, algorithm: ClientWrappingAlgorithm = 'RSAES_OAEP_SHA_256') {
  imported.push(Buffer.from(material));
  const p = await h.kms.send(new GetParametersForImportCommand({ KeyId: keyId, WrappingAlgorithm: algorithm as AlgorithmSpec, WrappingKeySpec: 'RSA_4096' }));
  return h.kms.send(new ImportKeyMaterialCommand({
    KeyId: keyId,
    ImportToken: p.ImportToken,
    EncryptedKeyMaterial: wrapForImport(p.PublicKey!, algorithm, material),
    ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
    ...over,
  }));
}

async function moveClock(advanceSeconds: number) {
  const r = await rawRequest(h.trent.url, h.trent.caPath, { path: '/_trent/clock', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceSeconds }) });
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body) as { now: string };
}

describe('importing key material', () => {
  test('CreateKey Origin=EXTERNAL: PendingImport, no material, "is pending import." (shapes recorded against AWS)', async () => {
    const md = await externalKey();
    assert.equal(md.Origin, 'EXTERNAL');
    assert.equal(md.KeyState, 'PendingImport');
    assert.equal(md.Enabled, false);
    assert.equal(md.CurrentKeyMaterialId, undefined);
    assert.equal(md.ExpirationModel, undefined);
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: md.KeyId, Plaintext: Buffer.from('x') })), 'KMSInvalidStateException', `${md.Arn} is pending import.`);
    const aws = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    await rejectsWith(h.kms.send(new GetParametersForImportCommand({ KeyId: aws.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' })), 'UnsupportedOperationException', `${aws.Arn} origin is AWS_KMS which is not valid for this operation.`);
  });

  test('the imported 32 bytes are the key: a Trent ciphertext opens offline with them', async () => {
    const md = await externalKey();
    const material = randomBytes(32);
    const p = await h.kms.send(new GetParametersForImportCommand({ KeyId: md.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }));
    assert.equal(p.KeyId, md.Arn);
    const validFor = p.ParametersValidTo!.getTime() - Date.now();
    assert.ok(Math.abs(validFor - 24 * 3_600_000) < 120_000, `valid for ${validFor} ms`);
    imported.push(material);
    const r = await h.kms.send(new ImportKeyMaterialCommand({ KeyId: md.KeyId, ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapForImport(p.PublicKey!, 'RSAES_OAEP_SHA_256', material), ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' }));
    assert.equal(r.KeyId, md.Arn);
    assert.match(r.KeyMaterialId!, /^[0-9a-f]{64}$/);
    const after = (await h.kms.send(new DescribeKeyCommand({ KeyId: md.KeyId }))).KeyMetadata!;
    assert.equal(after.KeyState, 'Enabled');
    assert.equal(after.Enabled, true);
    assert.equal(after.ExpirationModel, 'KEY_MATERIAL_DOES_NOT_EXPIRE');
    assert.equal(after.CurrentKeyMaterialId, r.KeyMaterialId);

    const ec = { purpose: 'offline proof', 'ü': 'ß' };
    const e = await h.kms.send(new EncryptCommand({ KeyId: md.KeyId, Plaintext: Buffer.from('opened without Trent'), EncryptionContext: ec }));
    const opened = openBlobOffline(material, e.CiphertextBlob!, ec);
    assert.equal(opened.plaintext.toString(), 'opened without Trent');
    assert.equal(opened.keyId, md.KeyId);
    assert.equal(opened.materialId, r.KeyMaterialId);
    assert.throws(() => openBlobOffline(randomBytes(32), e.CiphertextBlob!, ec), 'another 32 bytes do not open it');
  });

  test('errors: another key\'s token, a damaged token, wrong wrapping, wrong length; the default ExpirationModel needs ValidTo', async () => {
    const a = await externalKey();
    const b = await externalKey();
    const material = randomBytes(32);
    const p = await h.kms.send(new GetParametersForImportCommand({ KeyId: a.KeyId, WrappingAlgorithm: 'RSA_AES_KEY_WRAP_SHA_256', WrappingKeySpec: 'RSA_2048' }));
    const enc = wrapForImport(p.PublicKey!, 'RSA_AES_KEY_WRAP_SHA_256', material);
    const send = (over: Partial<ImportKeyMaterialCommandInput>) =>
      h.kms.send(new ImportKeyMaterialCommand({ KeyId: a.KeyId, ImportToken: p.ImportToken, EncryptedKeyMaterial: enc, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE', ...over }));
    await rejectsWith(send({ KeyId: b.KeyId }), 'InvalidImportTokenException');
    const damaged = Buffer.from(p.ImportToken!);
    damaged[damaged.length - 3]! ^= 0x40;
    await rejectsWith(send({ ImportToken: damaged }), 'InvalidImportTokenException');
    await rejectsWith(send({ EncryptedKeyMaterial: wrapForImport(p.PublicKey!, 'RSAES_OAEP_SHA_256', material) }), 'InvalidCiphertextException');
    await rejectsWith(send({ EncryptedKeyMaterial: wrapForImport(p.PublicKey!, 'RSA_AES_KEY_WRAP_SHA_256', randomBytes(16)) }), 'IncorrectKeyMaterialException');
    const { ExpirationModel: _m, ...noModel } = { ExpirationModel: undefined };
    await rejectsWith(h.kms.send(new ImportKeyMaterialCommand({ KeyId: a.KeyId, ImportToken: p.ImportToken, EncryptedKeyMaterial: enc, ...noModel })), 'ValidationException', 'A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES');
    await rejectsWith(send({ ExpirationModel: 'KEY_MATERIAL_EXPIRES' }), 'ValidationException', 'A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES');
    imported.push(material);
    assert.equal((await send({})).KeyId, a.Arn, 'the same token and material then import');
    // 24 hours on, the token and its public key are no longer valid.
    await moveClock(24 * 3600);
    await rejectsWith(send({}), 'ExpiredImportTokenException');
  });

  test('several materials: NEW_KEY_MATERIAL waits as PENDING_ROTATION, RotateKeyOnDemand makes it current (texts recorded against AWS)', async () => {
    const md = await externalKey();
    const m1 = randomBytes(32);
    const m2 = randomBytes(32);
    const first = await importMaterial(md.KeyId!, m1, { KeyMaterialDescription: 'first' });
    await rejectsWith(h.kms.send(new RotateKeyOnDemandCommand({ KeyId: md.KeyId })), 'KMSInvalidStateException', `No available key material pending rotation for the key: ${md.Arn}.`);
    const before = await h.kms.send(new EncryptCommand({ KeyId: md.KeyId, Plaintext: Buffer.from('first material') }));
    const second = await importMaterial(md.KeyId!, m2, { ImportType: 'NEW_KEY_MATERIAL', KeyMaterialDescription: 'second' });
    assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId: md.KeyId }))).KeyMetadata!.CurrentKeyMaterialId, first.KeyMaterialId, 'still the first');
    const third = randomBytes(32);
    await rejectsWith(importMaterial(md.KeyId!, third, { ImportType: 'NEW_KEY_MATERIAL' }), 'KMSInvalidStateException',
      new RegExp(`^New key material \\(id: [0-9a-f]{64}\\) cannot be imported into KMS key ${md.KeyId}, because another key material \\(id: ${second.KeyMaterialId}\\) is pending rotation\\.$`));
    imported.pop();
    const all = (await h.kms.send(new ListKeyRotationsCommand({ KeyId: md.KeyId, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' }))).Rotations!;
    assert.deepEqual(all.map((r) => [r.KeyMaterialId, r.KeyMaterialState, r.ImportState, r.KeyMaterialDescription, r.ExpirationModel, r.RotationType]), [
      [first.KeyMaterialId, 'CURRENT', 'IMPORTED', 'first', 'KEY_MATERIAL_DOES_NOT_EXPIRE', undefined],
      [second.KeyMaterialId, 'PENDING_ROTATION', 'IMPORTED', 'second', 'KEY_MATERIAL_DOES_NOT_EXPIRE', undefined],
    ]);

    const rotated = await h.kms.send(new RotateKeyOnDemandCommand({ KeyId: md.KeyId }));
    assert.equal(rotated.KeyId, md.KeyId);
    assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId: md.KeyId }))).KeyMetadata!.CurrentKeyMaterialId, second.KeyMaterialId);
    const rotations = (await h.kms.send(new ListKeyRotationsCommand({ KeyId: md.KeyId }))).Rotations!;
    assert.deepEqual(rotations.map((r) => [r.KeyMaterialId, r.KeyMaterialState, r.RotationType]), [[second.KeyMaterialId, 'CURRENT', 'ON_DEMAND']]);
    assert.ok(rotations[0]!.RotationDate instanceof Date);
    const afterRotation = await h.kms.send(new EncryptCommand({ KeyId: md.KeyId, Plaintext: Buffer.from('second material') }));
    assert.equal(openBlobOffline(m2, afterRotation.CiphertextBlob!).plaintext.toString(), 'second material');
    const old = await h.kms.send(new DecryptCommand({ CiphertextBlob: before.CiphertextBlob }));
    assert.equal(Buffer.from(old.Plaintext!).toString(), 'first material');
    assert.equal(old.KeyMaterialId, first.KeyMaterialId);
  });

  test('DeleteImportedKeyMaterial → PendingImport (shape recorded against AWS); the same bytes re-import, others do not', async () => {
    const md = await externalKey();
    const m = randomBytes(32);
    const done = await importMaterial(md.KeyId!, m);
    const sealed = await h.kms.send(new EncryptCommand({ KeyId: md.KeyId, Plaintext: Buffer.from('survives') }));
    const del = await h.kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: md.KeyId }));
    assert.equal(del.KeyId, md.Arn);
    assert.equal(del.KeyMaterialId, done.KeyMaterialId);
    const gone = (await h.kms.send(new DescribeKeyCommand({ KeyId: md.KeyId }))).KeyMetadata!;
    assert.equal(gone.KeyState, 'PendingImport');
    assert.equal(gone.Enabled, false);
    assert.equal(gone.ExpirationModel, undefined);
    assert.equal(gone.CurrentKeyMaterialId, done.KeyMaterialId);
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: md.KeyId, Plaintext: Buffer.from('x') })), 'KMSInvalidStateException', `${md.Arn} is pending import.`);
    const pending = (await h.kms.send(new ListKeyRotationsCommand({ KeyId: md.KeyId, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' }))).Rotations!;
    assert.deepEqual(pending.map((r) => [r.ImportState, r.ExpirationModel]), [['PENDING_IMPORT', undefined]]);
    await rejectsWith(importMaterial(md.KeyId!, randomBytes(32)), 'IncorrectKeyMaterialException');
    imported.pop();
    await importMaterial(md.KeyId!, m, { KeyMaterialId: done.KeyMaterialId });
    assert.equal(Buffer.from((await h.kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }))).Plaintext!).toString(), 'survives');
  });

  test('material with a ValidTo expires on the clock: the scheduler deletes it and the key is PendingImport', async () => {
    const md = await externalKey();
    const now = Date.parse((await moveClock(0)).now);
    await importMaterial(md.KeyId!, randomBytes(32), { ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: new Date(now + 3 * 3_600_000) });
    const live = (await h.kms.send(new DescribeKeyCommand({ KeyId: md.KeyId }))).KeyMetadata!;
    assert.equal(live.ExpirationModel, 'KEY_MATERIAL_EXPIRES');
    assert.ok(Math.abs(live.ValidTo!.getTime() - (now + 3 * 3_600_000)) < 1000);
    await moveClock(2 * 3600);
    assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId: md.KeyId }))).KeyMetadata!.KeyState, 'Enabled');
    await moveClock(2 * 3600);
    const expired = (await h.kms.send(new DescribeKeyCommand({ KeyId: md.KeyId }))).KeyMetadata!;
    assert.equal(expired.KeyState, 'PendingImport');
    assert.equal(expired.ValidTo, undefined);
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: md.KeyId, Plaintext: Buffer.from('x') })), 'KMSInvalidStateException', `${md.Arn} is pending import.`);
    // The audit trail has CloudTrail's service event for it.
    const audit = readdirSync(join(h.dataDir, 'audit')).filter((f) => f.endsWith('.jsonl')).map((f) => readFileSync(join(h.dataDir, 'audit', f), 'utf8')).join('');
    const events = audit.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { record?: { eventName?: string; eventType?: string; serviceEventDetails?: { keyId?: string } } });
    assert.ok(events.some((e) => e.record?.eventName === 'DeleteExpiredKeyMaterial' && e.record.eventType === 'AwsServiceEvent' && e.record.serviceEventDetails?.keyId === md.KeyId), 'a DeleteExpiredKeyMaterial service event');
  });

  test('an imported HMAC key MACs with the imported bytes; an imported EC key signs with the imported private key', async () => {
    const hk = await externalKey('HMAC_384', 'GENERATE_VERIFY_MAC');
    const hm = randomBytes(64);
    await importMaterial(hk.KeyId!, hm, {}, 'RSA_AES_KEY_WRAP_SHA_1');
    const mac = await h.kms.send(new GenerateMacCommand({ KeyId: hk.KeyId, MacAlgorithm: 'HMAC_SHA_384', Message: Buffer.from('mac me') }));
    assert.deepEqual(Buffer.from(mac.Mac!), createHmac('sha384', hm).update('mac me').digest());
    const hmd = (await h.kms.send(new DescribeKeyCommand({ KeyId: hk.KeyId }))).KeyMetadata!;
    assert.equal(hmd.CurrentKeyMaterialId, undefined, 'no KeyMaterialId for HMAC keys (recorded)');
    assert.equal(hmd.ExpirationModel, 'KEY_MATERIAL_DOES_NOT_EXPIRE');

    const ek = await externalKey('ECC_NIST_P384', 'SIGN_VERIFY');
    const pair = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    await importMaterial(ek.KeyId!, pair.privateKey.export({ format: 'der', type: 'pkcs8' }), {}, 'RSAES_OAEP_SHA_1');
    const s = await h.kms.send(new SignCommand({ KeyId: ek.KeyId, Message: Buffer.from('signed'), SigningAlgorithm: 'ECDSA_SHA_384' }));
    assert.ok(nodeVerify('sha384', Buffer.from('signed'), pair.publicKey, Buffer.from(s.Signature!)));
    await h.kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: ek.KeyId }));
    assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId: ek.KeyId }))).KeyMetadata!.KeyState, 'PendingImport');
  });

  test('the imported bytes are nowhere in the clear: not in any file of the data directory, not in the store', async () => {
    assert.ok(imported.length >= 8, `${imported.length} materials imported by this file`);
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir)) {
        const p = join(dir, e);
        if (statSync(p).isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(h.dataDir);
    assert.ok(files.some((f) => f.endsWith('trent.db')) || h.storeUrl !== undefined);
    for (const f of files) {
      const content = readFileSync(f);
      const text = content.toString('latin1');
      for (const m of imported) {
        assert.equal(content.indexOf(m), -1, `${f} holds imported bytes`);
        assert.ok(!text.includes(m.toString('hex')) && !text.includes(m.toString('base64')), `${f} holds imported bytes, encoded`);
      }
    }
    const keys = await h.trent.core.store.listKeys('111122223333', 'us-east-1', undefined, 1000);
    for (const k of keys.filter((k) => k.origin === 'EXTERNAL')) {
      for (const rec of await h.trent.core.store.listMaterials(k.keyId)) {
        for (const m of imported) assert.equal(Buffer.from(rec.wrapped).indexOf(m), -1, 'a stored material holds imported bytes in the clear');
      }
    }
  });
});
