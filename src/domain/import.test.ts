/**
 * Imported key material (BYOK) in the domain, on the memory store and a hand-moved clock: the
 * key states, the import-token and material errors, several materials and on-demand rotation,
 * deletion, expiry by the scheduler, and that a failed write leaves no half state.
 */
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, randomBytes, verify as nodeVerify } from 'node:crypto';
import { describe, test } from 'node:test';
import { wrapForImport, type ClientWrappingAlgorithm } from '../../test/support/byok.ts';
import { systemRng } from '../crypto/rng.ts';
import { decodeBlob } from '../format/ciphertext-blob.ts';
import { FileKeyring } from '../keyring/file-keyring.ts';
import { runDue } from './scheduled-jobs.ts';
import { MemoryStore } from '../storage/memory/memory-store.ts';
import { sameAccountAuthorizer } from './authorizer.ts';
import { Core, type CallContext } from './core.ts';
import { decrypt, encrypt } from './crypto-ops.ts';
import { useKey } from './execute.ts';
import { checkImportRequest, deleteImportedKeyMaterial, getParametersForImport, importKeyMaterial, type ImportInput } from './import.ts';
import { cancelKeyDeletion, createKey, disableKey, scheduleKeyDeletion } from './lifecycle.ts';
import { generateMac } from './mac.ts';
import { listKeyRotations, rotateKeyOnDemand } from './rotation.ts';
import { sign } from './signing.ts';
import type { KeyRecord } from './types.ts';

const HOUR = 3_600_000;

function setup() {
  const store = new MemoryStore();
  let now = Date.UTC(2026, 0, 1);
  const clock = { now: () => new Date(now) };
  const core = new Core({ store, keyring: new FileKeyring(systemRng.bytes(32), systemRng), clock, rng: systemRng, authorizer: sameAccountAuthorizer, partition: 'aws' });
  const ctx: CallContext = { principal: { arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333', type: 'Root', userId: '111122223333' }, region: 'us-east-1', requestId: 'r' };
  return { store, core, ctx, advance: (ms: number) => (now += ms), now: () => now };
}

type Env = ReturnType<typeof setup>;

/** The key as a request on it finds it: resolved, authorized, in a state for cryptography. */
function used(env: Env, keyId: string, action: string): Promise<KeyRecord> {
  return useKey(env.core, env.ctx, keyId, { alias: true, action, op: action.slice('kms:'.length), state: 'crypto' });
}

async function external(env: Env, over: Parameters<typeof createKey>[2] = {}): Promise<KeyRecord> {
  return createKey(env.core, env.ctx, { origin: 'EXTERNAL', ...over });
}

/** The import functions take the key as the request found it (this Core's authorizer allows its account). */
const keyOf = (env: Env, keyId: string) => env.core.resolve(env.ctx, keyId);

async function importParameters(env: Env, { keyId, ...p }: { keyId: string } & Parameters<typeof getParametersForImport>[2]) {
  return getParametersForImport(env.core, await keyOf(env, keyId), p);
}

/** ImportKeyMaterial as the operation runs it: the request's own checks, then the key's. */
async function runImport(env: Env, { keyId, ...p }: { keyId: string } & ImportInput) {
  checkImportRequest(p);
  return importKeyMaterial(env.core, await keyOf(env, keyId), p);
}

async function deleteMaterial(env: Env, { keyId, ...p }: { keyId: string; keyMaterialId?: string }) {
  return deleteImportedKeyMaterial(env.core, await keyOf(env, keyId), p);
}

/** GetParametersForImport, wrap `material` as a client would, ImportKeyMaterial. */
async function importInto(env: Env, key: KeyRecord, material: Uint8Array, over: { [K in keyof ImportInput]?: ImportInput[K] | undefined } = {}, algorithm: ClientWrappingAlgorithm = 'RSAES_OAEP_SHA_256') {
  const params = await importParameters(env, { keyId: key.keyId, wrappingAlgorithm: algorithm, wrappingKeySpec: 'RSA_2048' });
  const input: Record<string, unknown> = {
    keyId: key.keyId,
    importToken: params.importToken,
    encryptedKeyMaterial: wrapForImport(params.publicKey, algorithm, material),
    expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
    ...over,
  };
  for (const [k, v] of Object.entries(input)) if (v === undefined) delete input[k]; // `expirationModel: undefined`: the default applies
  return runImport(env, input as unknown as { keyId: string } & ImportInput);
}

async function rejects(p: Promise<unknown>, code: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: { code?: string; message?: string }) => {
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message ?? '', message);
    return true;
  });
}

describe('imported key material (domain)', () => {
  test('an EXTERNAL key starts PendingImport with no material; crypto answers "is pending import."', async () => {
    const env = setup();
    const k = await external(env);
    assert.equal(k.state, 'PendingImport');
    assert.equal(k.currentMaterialId, '');
    assert.deepEqual(await env.store.listMaterials(k.keyId), []);
    await rejects(used(env, k.keyId, 'kms:Encrypt'), 'KMSInvalidStateException', `${k.arn} is pending import.`);
    await rejects(rotateKeyOnDemand(env.core, await env.core.resolve(env.ctx, k.keyId)), 'KMSInvalidStateException', `${k.arn} is pending import.`);
  });

  test('import parameters only for EXTERNAL keys, with AWS\'s text; PKCS#1 v1.5 and SM2 refused', async () => {
    const env = setup();
    const aws = await createKey(env.core, env.ctx, {});
    await rejects(importParameters(env, { keyId: aws.keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_256', wrappingKeySpec: 'RSA_2048' }), 'UnsupportedOperationException', `${aws.arn} origin is AWS_KMS which is not valid for this operation.`);
    const k = await external(env);
    await rejects(importParameters(env, { keyId: k.keyId, wrappingAlgorithm: 'RSAES_PKCS1_V1_5', wrappingKeySpec: 'RSA_2048' }), 'ValidationException', /RSAES_PKCS1_V1_5/);
    await rejects(importParameters(env, { keyId: k.keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_256', wrappingKeySpec: 'SM2' }), 'ValidationException', /China/);
    const p = await importParameters(env, { keyId: k.keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_1', wrappingKeySpec: 'RSA_3072' });
    assert.equal(p.validTo, env.now() + 24 * HOUR);
    assert.ok(p.importToken.length < 6144);
  });

  test('symmetric import: Enabled, the imported bytes encrypt, the KeyMaterialId is a function of key and material', async () => {
    const env = setup();
    const k = await external(env);
    const material = randomBytes(32);
    const done = await importInto(env, k, material);
    assert.equal(done.key.state, 'Enabled');
    assert.equal(done.key.currentMaterialId, done.materialId);
    assert.match(done.materialId, /^[0-9a-f]{64}$/);
    assert.equal(done.key.expirationModel, 'KEY_MATERIAL_DOES_NOT_EXPIRE');
    const sealed = await encrypt(env.core, await used(env, k.keyId, 'kms:Encrypt'), { plaintext: Buffer.from('imported') });
    assert.equal(decodeBlob(sealed.blob)!.materialId, done.materialId);
    assert.equal(Buffer.from((await decrypt(env.core, env.ctx, { blob: sealed.blob })).plaintext).toString(), 'imported');
    // The same material re-imported (another token, another algorithm) has the same id.
    const again = await importInto(env, k, material, {}, 'RSA_AES_KEY_WRAP_SHA_1');
    assert.equal(again.materialId, done.materialId);
    // …and into another key, another id.
    const other = await importInto(env, await external(env), material);
    assert.notEqual(other.materialId, done.materialId);
  });

  test('token errors: another key\'s token, a tampered token, an expired token; unwrapping errors; material errors', async () => {
    const env = setup();
    const a = await external(env);
    const b = await external(env);
    const material = randomBytes(32);
    const pa = await importParameters(env, { keyId: a.keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_256', wrappingKeySpec: 'RSA_2048' });
    const wrapped = wrapForImport(pa.publicKey, 'RSAES_OAEP_SHA_256', material);
    const base = { encryptedKeyMaterial: wrapped, expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' as const };
    await rejects(runImport(env, { ...base, keyId: b.keyId, importToken: pa.importToken }), 'InvalidImportTokenException');
    for (const i of [0, 1, 5, 20, pa.importToken.length - 1]) {
      const t = Uint8Array.from(pa.importToken);
      t[i]! ^= 1;
      await rejects(runImport(env, { ...base, keyId: a.keyId, importToken: t }), 'InvalidImportTokenException', undefined);
    }
    await rejects(runImport(env, { ...base, keyId: a.keyId, importToken: randomBytes(300) }), 'InvalidImportTokenException');
    // Wrapped under another key's public key, or with the other algorithm: KMS could not decrypt it.
    const pb = await importParameters(env, { keyId: a.keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_256', wrappingKeySpec: 'RSA_2048' });
    await rejects(runImport(env, { ...base, keyId: a.keyId, importToken: pb.importToken }), 'InvalidCiphertextException', '');
    await rejects(runImport(env, { ...base, encryptedKeyMaterial: wrapForImport(pa.publicKey, 'RSAES_OAEP_SHA_1', material), keyId: a.keyId, importToken: pa.importToken }), 'InvalidCiphertextException');
    // Wrong material length.
    await rejects(runImport(env, { ...base, encryptedKeyMaterial: wrapForImport(pa.publicKey, 'RSAES_OAEP_SHA_256', randomBytes(31)), keyId: a.keyId, importToken: pa.importToken }), 'IncorrectKeyMaterialException', /256 bits/);
    // 24 hours later the token is expired, even for material it would have accepted.
    env.advance(24 * HOUR);
    await rejects(runImport(env, { ...base, keyId: a.keyId, importToken: pa.importToken }), 'ExpiredImportTokenException');
    assert.equal((await env.core.resolve(env.ctx, a.keyId)).state, 'PendingImport');
  });

  test('ExpirationModel and ValidTo rules (AWS\'s recorded text for a missing ValidTo)', async () => {
    const env = setup();
    const k = await external(env);
    const m = randomBytes(32);
    await rejects(importInto(env, k, m, { expirationModel: 'KEY_MATERIAL_EXPIRES' }), 'ValidationException', 'A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES');
    await rejects(importInto(env, k, m, { expirationModel: undefined }), 'ValidationException', 'A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES');
    await rejects(importInto(env, k, m, { validTo: new Date(env.now() + HOUR) }), 'ValidationException', /must not be set/);
    await rejects(importInto(env, k, m, { expirationModel: 'KEY_MATERIAL_EXPIRES', validTo: new Date(env.now() - 1) }), 'ValidationException', /future/);
    await rejects(importInto(env, k, m, { expirationModel: 'KEY_MATERIAL_EXPIRES', validTo: new Date(env.now() + 366 * 24 * HOUR) }), 'ValidationException', /365 days/);
    const done = await importInto(env, k, m, { expirationModel: 'KEY_MATERIAL_EXPIRES', validTo: new Date(env.now() + 2 * HOUR) });
    assert.equal(done.key.expirationModel, 'KEY_MATERIAL_EXPIRES');
    assert.equal(done.key.validTo, env.now() + 2 * HOUR);
  });

  test('several materials: NEW_KEY_MATERIAL is pending until RotateKeyOnDemand; old ciphertexts still decrypt', async () => {
    const env = setup();
    const k = await external(env);
    const m1 = randomBytes(32);
    const m2 = randomBytes(32);
    const first = await importInto(env, k, m1, { keyMaterialDescription: 'first one' });
    await rejects(rotateKeyOnDemand(env.core, await env.core.resolve(env.ctx, k.keyId)), 'KMSInvalidStateException', `No available key material pending rotation for the key: ${k.arn}.`);
    const before = await encrypt(env.core, await used(env, k.keyId, 'kms:Encrypt'), { plaintext: Buffer.from('before') });
    // Without ImportType, a second import defaults to EXISTING_KEY_MATERIAL: other bytes are refused.
    await rejects(importInto(env, k, m2), 'IncorrectKeyMaterialException');
    await rejects(importInto(env, k, m1, { importType: 'NEW_KEY_MATERIAL' }), 'IncorrectKeyMaterialException', /already associated/);
    const second = await importInto(env, k, m2, { importType: 'NEW_KEY_MATERIAL', keyMaterialDescription: 'second' });
    assert.equal(second.key.currentMaterialId, first.materialId, 'the new material waits');
    assert.equal(second.key.state, 'Enabled');
    const m3 = randomBytes(32);
    const third = importInto(env, k, m3, { importType: 'NEW_KEY_MATERIAL' });
    await assert.rejects(third, (e: Error) => /^New key material \(id: [0-9a-f]{64}\) cannot be imported into KMS key [0-9a-f-]{36}, because another key material \(id: [0-9a-f]{64}\) is pending rotation\.$/.test(e.message) && e.message.includes(second.materialId) && e.message.includes(k.keyId));
    let listed = await listKeyRotations(env.core, await env.core.resolve(env.ctx, k.keyId), { limit: 10, includeKeyMaterial: 'ALL_KEY_MATERIAL' });
    assert.deepEqual(listed.rotations.map((m) => [m.materialId, m.imported?.pendingRotation ?? false, m.imported?.description]), [[first.materialId, false, 'first one'], [second.materialId, true, 'second']]);
    assert.equal((await listKeyRotations(env.core, await env.core.resolve(env.ctx, k.keyId), { limit: 10 })).rotations.length, 0);

    env.advance(HOUR);
    const rotated = await rotateKeyOnDemand(env.core, await env.core.resolve(env.ctx, k.keyId));
    assert.equal(rotated.currentMaterialId, second.materialId);
    assert.equal(rotated.rotation.onDemandCount, 1);
    listed = await listKeyRotations(env.core, await env.core.resolve(env.ctx, k.keyId), { limit: 10 });
    assert.deepEqual(listed.rotations.map((m) => [m.materialId, m.rotationType, m.rotatedAt]), [[second.materialId, 'ON_DEMAND', env.now()]]);
    const after = await encrypt(env.core, await used(env, k.keyId, 'kms:Encrypt'), { plaintext: Buffer.from('after') });
    assert.equal(decodeBlob(after.blob)!.materialId, second.materialId);
    assert.equal(Buffer.from((await decrypt(env.core, env.ctx, { blob: before.blob })).plaintext).toString(), 'before');
    // Re-importing with KeyMaterialId: it must be the id of the material given.
    await rejects(importInto(env, k, m1, { keyMaterialId: second.materialId }), 'IncorrectKeyMaterialException');
    assert.equal((await importInto(env, k, m1, { keyMaterialId: first.materialId, importType: 'EXISTING_KEY_MATERIAL' })).materialId, first.materialId);
    await rejects(importInto(env, k, m1, { keyMaterialId: first.materialId, importType: 'NEW_KEY_MATERIAL' }), 'ValidationException');
  });

  test('DeleteImportedKeyMaterial: PendingImport, bytes gone, the id kept; re-import restores; other bytes refused', async () => {
    const env = setup();
    const k = await external(env);
    const m = randomBytes(32);
    const done = await importInto(env, k, m);
    const sealed = await encrypt(env.core, await used(env, k.keyId, 'kms:Encrypt'), { plaintext: Buffer.from('kept') });
    const del = await deleteMaterial(env, { keyId: k.keyId });
    assert.equal(del.materialId, done.materialId);
    assert.equal(del.key.state, 'PendingImport');
    assert.equal(del.key.currentMaterialId, done.materialId);
    assert.equal(del.key.expirationModel, undefined);
    const rec = await env.store.getMaterial(k.keyId, done.materialId);
    assert.equal(rec!.wrapped.length, 0);
    assert.equal(rec!.imported!.importState, 'PENDING_IMPORT');
    await rejects(decrypt(env.core, env.ctx, { blob: sealed.blob }), 'KMSInvalidStateException', `${k.arn} is pending import.`);
    await rejects(importInto(env, k, randomBytes(32)), 'IncorrectKeyMaterialException');
    await rejects(deleteMaterial(env, { keyId: k.keyId, keyMaterialId: 'a'.repeat(64) }), 'NotFoundException');
    const back = await importInto(env, k, m);
    assert.equal(back.key.state, 'Enabled');
    assert.equal(Buffer.from((await decrypt(env.core, env.ctx, { blob: sealed.blob })).plaintext).toString(), 'kept');
    // A disabled key loses its material: PendingImport; the import enables it (ImportKeyMaterial reference).
    await disableKey(env.core, await env.core.resolve(env.ctx, k.keyId));
    assert.equal((await importInto(env, k, m)).key.state, 'Disabled', 'a re-import does not enable a disabled key');
    await deleteMaterial(env, { keyId: k.keyId });
    assert.equal((await importInto(env, k, m)).key.state, 'Enabled');
    // Pending deletion: the state stays; cancelling then lands on PendingImport, not Disabled.
    await scheduleKeyDeletion(env.core, await env.core.resolve(env.ctx, k.keyId), 7);
    assert.equal((await deleteMaterial(env, { keyId: k.keyId })).key.state, 'PendingDeletion');
    await rejects(importInto(env, k, m), 'KMSInvalidStateException', `${k.arn} is pending deletion.`);
    assert.equal((await cancelKeyDeletion(env.core, await env.core.resolve(env.ctx, k.keyId))).state, 'PendingImport');
  });

  test('the scheduler deletes material at its ValidTo: PendingImport, once', async () => {
    const env = setup();
    const k = await external(env);
    await importInto(env, k, randomBytes(32), { expirationModel: 'KEY_MATERIAL_EXPIRES', validTo: new Date(env.now() + 2 * HOUR) });
    assert.deepEqual((await runDue(env.core, env.now())).expired, []);
    env.advance(2 * HOUR);
    const run = await runDue(env.core, env.now());
    assert.deepEqual(run.expired, [k.keyId]);
    const key = await env.core.resolve(env.ctx, k.keyId);
    assert.equal(key.state, 'PendingImport');
    assert.equal(key.validTo, undefined);
    assert.deepEqual((await runDue(env.core, env.now())).expired, [], 'idempotent');
  });

  test('a failed write of an import leaves the key PendingImport and no material', async () => {
    const env = setup();
    const k = await external(env);
    env.store.failNext('putMaterials');
    await assert.rejects(importInto(env, k, randomBytes(32)));
    assert.equal((await env.core.resolve(env.ctx, k.keyId)).state, 'PendingImport');
    assert.deepEqual(await env.store.listMaterials(k.keyId), []);
  });

  test('HMAC and asymmetric imports: the imported key is the one that MACs and signs; no second material', async () => {
    const env = setup();
    const hk = await external(env, { keySpec: 'HMAC_256', keyUsage: 'GENERATE_VERIFY_MAC' });
    await rejects(importInto(env, hk, randomBytes(31)), 'IncorrectKeyMaterialException', /32 to 64 bytes/);
    const hm = randomBytes(48);
    await importInto(env, hk, hm);
    const mac = await generateMac(env.core, await used(env, hk.keyId, 'kms:GenerateMac'), { algorithm: 'HMAC_SHA_256', message: Buffer.from('msg') });
    assert.deepEqual(Buffer.from(mac), createHmac('sha256', hm).update('msg').digest());
    await rejects(importInto(env, hk, randomBytes(48), { importType: 'NEW_KEY_MATERIAL' }), 'UnsupportedOperationException');
    await rejects(importInto(env, hk, hm, { keyMaterialDescription: 'x' }), 'ValidationException');

    const ek = await external(env, { keySpec: 'ECC_NIST_P256', keyUsage: 'SIGN_VERIFY' });
    const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pkcs8 = pair.privateKey.export({ format: 'der', type: 'pkcs8' });
    const wrongCurve = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({ format: 'der', type: 'pkcs8' });
    await rejects(importInto(env, ek, wrongCurve, {}, 'RSA_AES_KEY_WRAP_SHA_256'), 'IncorrectKeyMaterialException', /curve/);
    await importInto(env, ek, pkcs8, {}, 'RSA_AES_KEY_WRAP_SHA_256');
    const s = await sign(env.core, await used(env, ek.keyId, 'kms:Sign'), { message: Buffer.from('hello'), algorithm: 'ECDSA_SHA_256' });
    assert.ok(nodeVerify('sha256', Buffer.from('hello'), pair.publicKey, Buffer.from(s)));

    const rk = await external(env, { keySpec: 'RSA_2048', keyUsage: 'SIGN_VERIFY' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsaDer = rsa.privateKey.export({ format: 'der', type: 'pkcs8' });
    // An RSA private key does not fit RSAES-OAEP under an RSA_2048 wrapping key: the client cannot even wrap it.
    assert.throws(() => wrapForImport(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'der', type: 'spki' }), 'RSAES_OAEP_SHA_256', rsaDer));
    await importInto(env, rk, rsaDer, {}, 'RSA_AES_KEY_WRAP_SHA_256');
    const rs = await sign(env.core, await used(env, rk.keyId, 'kms:Sign'), { message: Buffer.from('hello'), algorithm: 'RSASSA_PKCS1_V1_5_SHA_256' });
    assert.ok(nodeVerify('sha256', Buffer.from('hello'), rsa.publicKey, Buffer.from(rs)));
  });
});
